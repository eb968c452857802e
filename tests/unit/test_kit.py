"""The synthesised default kit and user kits loaded from folders of WAV files."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio.audio_files import read_audio
from desktop_app.audio.kit import KitError, load_default_kit, load_kit_folder, load_sample
from desktop_app.audio.resample import resample
from desktop_app.audio.wavio import write_wav
from desktop_app.domain.pattern import DEFAULT_KIT_SAMPLES

SR = 44100


@pytest.fixture(scope="module")
def kit():
    return load_default_kit()


def _spectrum_share(x: np.ndarray, lo: float, hi: float) -> float:
    """Fraction of the sound's energy between lo and hi Hz."""
    power = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / SR)
    return float(power[(f >= lo) & (f < hi)].sum() / power.sum())


def _decay_time(x: np.ndarray, db: float = 40.0) -> float:
    """Seconds until the envelope last exceeds -db below its peak."""
    env = np.abs(x)
    above = np.nonzero(env > env.max() * 10 ** (-db / 20))[0]
    return above[-1] / SR


def test_default_kit_has_the_eight_named_sounds(kit) -> None:
    assert kit.name == "default" and kit.sample_rate == SR
    assert tuple(kit.samples) == DEFAULT_KIT_SAMPLES
    for name, data in kit.samples.items():
        assert data.dtype == np.float32 and data.ndim == 1, name
        assert np.all(np.isfinite(data))
        assert 0.3 < np.max(np.abs(data)) <= 1.0, name
        assert abs(float(data[-1])) < 1e-3, f"{name} should end in silence"


def test_default_kit_is_deterministic(kit) -> None:
    again = load_default_kit()
    for name in DEFAULT_KIT_SAMPLES:
        assert np.array_equal(kit.samples[name], again.samples[name])


def test_building_the_kit_needs_little_memory() -> None:
    """The hats' harmonics are summed a slice at a time: the whole table at once took
    35 MB (three 17 MB copies for the open hat), most of a one-loop render's peak RSS."""
    from desktop_app.audio.synth import build_default_samples

    build_default_samples()  # numpy's first-use caches are not the kit's
    tracemalloc.start()
    try:
        samples = build_default_samples()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    held = sum(x.nbytes for x in samples.values())
    assert peak < held + 8_000_000, peak


def test_sounds_have_drum_machine_character(kit) -> None:
    s = kit.samples
    # Kick and toms: energy at the bottom, kick lowest.
    assert _spectrum_share(s["kick"], 30, 150) > 0.7
    assert _spectrum_share(s["low_tom"], 60, 250) > 0.6
    assert _spectrum_share(s["high_tom"], 120, 400) > 0.6
    # Hats: almost all energy above 5 kHz; the open hat rings much longer than the closed.
    assert _spectrum_share(s["closed_hat"], 5000, 22050) > 0.9
    assert _spectrum_share(s["open_hat"], 5000, 22050) > 0.9
    assert _decay_time(s["open_hat"]) > 4 * _decay_time(s["closed_hat"])
    # Snare: a body below 500 Hz and a noisy top; clap: mid-range noise.
    assert 0.05 < _spectrum_share(s["snare"], 100, 500) < 0.7
    assert _spectrum_share(s["snare"], 1500, 12000) > 0.3
    assert _spectrum_share(s["clap"], 600, 4000) > 0.6
    # Rim: short and bright.
    assert _decay_time(s["rim"]) < 0.08
    assert _spectrum_share(s["rim"], 300, 3000) > 0.6
    # Percussive: every sound is loudest at its start and decays.
    for name, data in s.items():
        head = np.sqrt(np.mean(data[: int(0.03 * SR)] ** 2))
        second_half = np.sqrt(np.mean(data[len(data) // 2 :] ** 2))
        assert head > 4 * second_half, name


def test_noisy_sounds_are_not_tones(kit) -> None:
    """Clap and hats are broadband: no single FFT bin holds much of the energy."""
    for name in ("clap", "closed_hat", "open_hat"):
        power = np.abs(np.fft.rfft(kit.samples[name])) ** 2
        assert power.max() / power.sum() < 0.05, name


def test_kit_at_another_rate(kit) -> None:
    k48 = kit.at_rate(48000)
    assert k48.sample_rate == 48000
    assert len(k48.samples["kick"]) == round(len(kit.samples["kick"]) * 48000 / SR)


# ---- WAV reading -------
@pytest.mark.parametrize("bits", [8, 16, 24, 32])
def test_wav_round_trip_at_every_bit_depth(tmp_path: Path, bits: int) -> None:
    t = np.arange(2000) / SR
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    stereo = np.stack([x, -x], axis=1)
    write_wav(tmp_path / "a.wav", stereo, SR, bits=bits)
    data, rate = read_audio(tmp_path / "a.wav")
    assert rate == SR and data.shape == (2000, 2)
    tolerance = {8: 1 / 100, 16: 1 / 30000, 24: 1 / 4_000_000, 32: 0}[bits]
    assert np.max(np.abs(data - stereo)) <= tolerance


def test_extensible_and_float64_wavs(tmp_path: Path) -> None:
    import struct

    x = np.linspace(-0.5, 0.5, 100)
    payload = x.astype("<f8").tobytes()
    fmt = struct.pack("<HHIIHH", 0xFFFE, 1, 22050, 22050 * 8, 8, 64)
    ieee_float = bytes.fromhex("0300000000001000800000aa00389b71")  # the subformat GUID
    fmt += struct.pack("<HHI", 22, 64, 4) + ieee_float
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 4) + b"INFO"  # an unrelated chunk to skip
    body += b"data" + struct.pack("<I", len(payload)) + payload
    (tmp_path / "x.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    data, rate = read_audio(tmp_path / "x.wav")
    assert rate == 22050 and np.allclose(data[:, 0], x, atol=1e-7)


def test_resample_keeps_pitch_and_duration() -> None:
    src = 22050
    t = np.arange(src) / src
    x = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    y = resample(x, src, SR)
    assert len(y) == SR
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spectrum) * SR / len(y) - 1000) < 2


# ---- user kits -------
def _make_kit(folder: Path) -> None:
    folder.mkdir()
    t = np.arange(4410) / 22050
    tone = (0.8 * np.exp(-t * 30) * np.sin(2 * np.pi * 60 * t)).astype(np.float32)
    write_wav(folder / "Kick.wav", tone, 22050, bits=16)  # mono, 22.05 kHz, 16-bit
    write_wav(folder / "snare.WAV", np.stack([tone, tone * 0.5], 1), 48000, bits=24)
    write_wav(folder / "hat.wav", tone[:100], SR, bits=32)  # float
    (folder / "notes.txt").write_text("not a sample")


def test_user_kit_is_loaded_and_resampled(tmp_path: Path) -> None:
    _make_kit(tmp_path / "mykit")
    kit = load_kit_folder(tmp_path / "mykit", required=["kick", "snare"])
    assert kit.name == "mykit" and kit.sample_rate == SR
    assert sorted(kit.samples) == ["hat", "kick", "snare"]
    assert kit.samples["kick"].ndim == 1 and len(kit.samples["kick"]) == 8820
    assert kit.samples["snare"].shape == (round(4410 * SR / 48000), 2)
    assert all(s.dtype == np.float32 for s in kit.samples.values())


def test_user_kit_missing_sample_is_named(tmp_path: Path) -> None:
    _make_kit(tmp_path / "mykit")
    with pytest.raises(KitError) as info:
        load_kit_folder(tmp_path / "mykit", required=["kick", "clap", "rim"])
    message = str(info.value)
    assert "'clap'" in message and "'rim'" in message and "hat, kick, snare" in message


def test_unreadable_sample_is_named(tmp_path: Path) -> None:
    _make_kit(tmp_path / "mykit")
    (tmp_path / "mykit" / "clap.wav").write_bytes(b"ID3\x03garbage that is not a wav")
    with pytest.raises(
        KitError, match=r"clap\.wav: cannot read sample: not a WAV, AIFF or FLAC file"
    ):
        load_kit_folder(tmp_path / "mykit")


def test_damaged_wav_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "adpcm.wav"
    write_wav(path, np.zeros(10), SR, bits=16)
    raw = bytearray(path.read_bytes())
    raw[20:22] = (2).to_bytes(2, "little")  # format tag 2 = MS ADPCM, with a PCM fmt chunk
    path.write_bytes(bytes(raw))
    with pytest.raises(KitError, match=r"adpcm\.wav: cannot read sample: damaged .*ADPCM"):
        load_sample(path)


@pytest.mark.parametrize("kind", ["AIFF", "FLAC"])
def test_aiff_and_flac_samples(tmp_path: Path, kind: str) -> None:
    import soundfile

    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(2205) / 22050)).astype(np.float32)
    folder = tmp_path / "kit"
    folder.mkdir()
    soundfile.write(folder / f"Kick.{kind.lower()}", tone, 22050, format=kind, subtype="PCM_16")
    kit = load_kit_folder(folder, required=["kick"])
    assert len(kit.samples["kick"]) == 4410
    assert np.max(np.abs(kit.samples["kick"][::2] - tone)) < 0.01


def test_other_formats_libsndfile_knows_are_refused(tmp_path: Path) -> None:
    """An MP3 named .wav is decodable by libsndfile, but a kit takes WAV, AIFF, FLAC."""
    import soundfile

    path = tmp_path / "kick.wav"
    soundfile.write(path.with_suffix(".ogg"), np.zeros(4410, np.float32), SR, format="OGG")
    path.with_suffix(".ogg").rename(path)
    with pytest.raises(KitError, match=r"kick\.wav: cannot read sample: OGG audio is not"):
        load_sample(path)


def test_empty_or_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(KitError, match="kit folder does not exist"):
        load_kit_folder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(KitError, match="no WAV, AIFF or FLAC files"):
        load_kit_folder(tmp_path / "empty")
    with pytest.raises(KitError, match="sample file is missing"):
        load_sample(tmp_path / "gone.wav")


def test_kit_sample_lookup_error(kit) -> None:
    with pytest.raises(KitError, match="sample 'cowbell' is not in kit 'default'"):
        kit.sample("cowbell")
