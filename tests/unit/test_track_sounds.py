"""Tracks' own samples, pitch, decay and choke groups in the engine."""

from __future__ import annotations

import hashlib
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.__main__ import main
from desktop_app.audio.audio_files import read_audio
from desktop_app.audio.bounce import OfflineRender, bounce
from desktop_app.audio.kit import Kit, KitError, load_default_kit
from desktop_app.audio.sample_bank import FolderLookup, SampleBank
from desktop_app.audio.sample_shaping import (
    decay_fade_frames,
    interpolate,
    pitch_ratio,
)
from desktop_app.audio.sequencer import CHOKE_FADE, MASTER_GAIN, Sequencer
from desktop_app.domain.pattern import Pattern, demo_pattern
from desktop_app.domain.track import Track
from desktop_app.services.samples import sha256_file

SR = 44100
CENTRE = np.sqrt(0.5)
STEP = 5512  # 120 BPM, 16ths: 5512.5 samples a step, step 1 at round(5512.5) = 5512
UNIT = MASTER_GAIN * CENTRE  # a mono sample at full velocity and volume, centred


def write_sample(folder: Path, data: np.ndarray, rate: int = SR, name: str = "s.wav") -> str:
    """A WAV in ``folder`` under its SHA-256, as the sample cache keeps it."""
    path = folder / name
    soundfile.write(path, data, rate, subtype="FLOAT")
    sha = sha256_file(path)
    path.rename(folder / f"{sha}.wav")
    return sha


def own(name: str, sha: str, steps: list[int], **kw) -> Track:
    return Track(name, "kick", steps, volume=1.0, sample_sha256=sha, sample_name=f"{name}.wav",
                 **kw)  # fmt: skip


def render(pattern: Pattern, bank: SampleBank, frames: int, kit: Kit | None = None, **kw):
    seq = Sequencer(kit or Kit("empty", SR, {}), SR, bank=bank, **kw)
    seq.set_pattern(pattern)
    return seq.render(frames)


def hits(*on: int, length: int = 16) -> list[int]:
    return [127 if i in on else 0 for i in range(length)]


@pytest.fixture
def bank(tmp_path: Path) -> SampleBank:
    return SampleBank(FolderLookup(tmp_path), SR)


def test_a_tracks_own_wav_plays_its_samples(tmp_path: Path, bank: SampleBank) -> None:
    sound = np.linspace(0.5, -0.5, 3000, dtype=np.float32)
    sha = write_sample(tmp_path, sound)
    p = Pattern(bpm=120, tracks=[own("Mine", sha, hits(0, 2))])
    out = render(p, bank, 3 * STEP)
    assert np.allclose(out[:3000, 0], sound * UNIT, atol=1e-7)
    assert np.allclose(out[:3000, 1], sound * UNIT, atol=1e-7)
    assert not out[3000 : 2 * STEP].any()
    assert np.allclose(out[2 * STEP + 1 : 2 * STEP + 3001, 0], sound * UNIT, atol=1e-7)


def test_stereo_is_kept_and_other_rates_are_converted(tmp_path: Path, bank: SampleBank) -> None:
    stereo = np.stack([np.full(1000, 0.25), np.full(1000, -0.5)], axis=1).astype(np.float32)
    sha = write_sample(tmp_path, stereo)
    out = render(Pattern(bpm=120, tracks=[own("St", sha, hits(0))]), bank, 2000)
    assert np.allclose(out[:1000, 0], 0.25 * MASTER_GAIN) and np.allclose(
        out[:1000, 1], -0.5 * MASTER_GAIN
    )
    slow = write_sample(tmp_path, np.full(1000, 0.5, np.float32), rate=SR // 2, name="h.wav")
    assert len(bank.audio(slow)) == 2000  # 22.05 kHz, played at its own pitch


def test_pitch_resamples_by_two_to_the_semitones_over_twelve(
    tmp_path: Path, bank: SampleBank
) -> None:
    assert pitch_ratio(12) == 2.0 and pitch_ratio(-24) == 0.25 and pitch_ratio(0) == 1.0
    assert pitch_ratio(7) == pytest.approx(2 ** (7 / 12), rel=1e-15)
    sound = np.sin(np.arange(4000) * 0.01).astype(np.float32)
    sha = write_sample(tmp_path, sound)
    up = render(Pattern(bpm=120, tracks=[own("Up", sha, hits(0), pitch=12.0)]), bank, 5000)
    # An octave up: half as long, every other frame of the original.
    assert np.count_nonzero(up[:, 0]) <= 2000 and not up[2000:].any()
    assert np.allclose(up[:2000, 0], sound[::2] * UNIT, atol=1e-6)
    down = render(Pattern(bpm=120, tracks=[own("Down", sha, hits(0), pitch=-12.0)]), bank, 9000)
    assert np.allclose(down[:8000:2, 0], sound * UNIT, atol=1e-6)  # twice as long
    mid = down[3:7997:2, 0] / UNIT  # between frames (the ends lean on the silence around)
    assert np.allclose(mid, (sound[1:-2] + sound[2:-1]) / 2, atol=1e-4)  # a smooth curve


# sha256 prefixes of interpolate() at +7, -5.5 and +24 semitones (see the test below).
GOLDEN_PITCH = ["c0cf5a9f60f42fbf", "697a5afa719cb699", "f5febd7ee2eb83d4"]


def test_pitch_is_the_same_bits_everywhere() -> None:
    """Plain IEEE arithmetic only: this digest is the same on every machine and numpy."""
    x = (((np.arange(2048) * 7919) % 2001 - 1000) / 1000).astype(np.float32)  # no libm
    x = np.stack([x, x[::-1]], axis=1)
    digests = [hashlib.sha256(interpolate(x, pitch_ratio(st)).tobytes()).hexdigest()[:16]
               for st in (7.0, -5.5, 24.0)]  # fmt: skip
    assert digests == GOLDEN_PITCH


def test_decay_cuts_the_sound_with_a_short_fade(tmp_path: Path, bank: SampleBank) -> None:
    sha = write_sample(tmp_path, np.full(SR, 0.5, np.float32))
    p = Pattern(bpm=120, length=1, tracks=[own("Pad", sha, [127], decay=0.1)])
    out = render(p, bank, 2 * STEP)[:, 0]
    end, fade = round(0.1 * SR), decay_fade_frames(SR)
    assert fade == 132  # 3 ms
    assert np.allclose(out[: end - fade], 0.5 * UNIT)
    tail = out[end - fade : end]
    assert tail[0] < 0.5 * UNIT and np.all(np.diff(tail) < 0) and tail[-1] == 0
    assert not out[end:STEP].any()  # silent from 0.1 s to the next hit


def test_a_choke_group_cuts_the_other_tracks_both_ways(tmp_path: Path, bank: SampleBank) -> None:
    a = write_sample(tmp_path, np.full(40000, 0.25, np.float32), name="a.wav")
    b = write_sample(tmp_path, np.full(40000, 0.125, np.float32), name="b.wav")

    def level(choke_a: int, choke_b: int) -> np.ndarray:
        p = Pattern(bpm=120, tracks=[own("A", a, hits(0, 4), choke=choke_a),
                                     own("B", b, hits(2), choke=choke_b)])  # fmt: skip
        return render(p, bank, 6 * STEP)[:, 0] / UNIT

    cut = level(3, 3)
    # B at step 2 cuts A within CHOKE_FADE frames; A at step 4 cuts B the same way.
    assert np.allclose(cut[2 * STEP + CHOKE_FADE : 4 * STEP], 0.125)
    assert np.allclose(cut[4 * STEP + 1 + CHOKE_FADE : 5 * STEP], 0.25)
    apart = level(3, 4)
    assert np.allclose(apart[2 * STEP + CHOKE_FADE : 4 * STEP], 0.375)  # no group in common
    assert np.allclose(level(0, 0)[2 * STEP + CHOKE_FADE : 4 * STEP], 0.375)


def test_a_track_never_chokes_itself(tmp_path: Path, bank: SampleBank) -> None:
    a = write_sample(tmp_path, np.full(40000, 0.25, np.float32))
    out = render(Pattern(bpm=120, tracks=[own("A", a, hits(0, 1), choke=2)]), bank, 3 * STEP)
    assert np.allclose(out[STEP + 10 : 2 * STEP, 0] / UNIT, 0.5)


def test_the_kit_hats_keep_the_one_way_choke(tmp_path: Path, bank: SampleBank) -> None:
    kit = Kit("hats", SR, {"closed_hat": np.full(40000, 0.125, np.float32),
                           "open_hat": np.full(40000, 0.25, np.float32)})  # fmt: skip
    ch = Track("CH", "closed_hat", hits(0, 4), volume=1.0)
    oh = Track("OH", "open_hat", hits(2), volume=1.0)
    out = render(Pattern(bpm=120, tracks=[ch, oh]), bank, 6 * STEP, kit)[:, 0] / UNIT
    assert np.allclose(out[2 * STEP + 10 : 4 * STEP], 0.375)  # the open hat cuts nothing
    # The closed hat cuts the open hat (its own first hit rings on: 2 × 0.125).
    assert np.allclose(out[4 * STEP + 1 + CHOKE_FADE : 5 * STEP], 0.25)
    # An own sample put in the hats' group cuts the open hat like any member.
    mine = write_sample(tmp_path, np.full(100, 0.5, np.float32))
    p = Pattern(bpm=120, tracks=[Track("OH", "open_hat", hits(0), volume=1.0),
                                 own("Mine", mine, hits(2), choke=1)])  # fmt: skip
    out = render(p, bank, 3 * STEP, kit)[:, 0] / UNIT
    assert not out[2 * STEP + CHOKE_FADE + 100 :].any()


def test_choke_groups_stay_small_over_a_long_render(tmp_path: Path, bank: SampleBank) -> None:
    a = write_sample(tmp_path, np.full(3 * STEP, 0.1, np.float32))
    p = Pattern(bpm=120, tracks=[own("A", a, [127] * 16, choke=5)])
    seq = Sequencer(Kit("empty", SR, {}), SR, bank=bank)
    seq.set_pattern(p)
    for _ in range(200):
        seq.render(16 * STEP)
    assert len(seq._groups[5]) <= 4 and len(seq.voices) <= 4


def test_a_missing_sample_is_silence_and_one_notice_live_an_error_offline(
    bank: SampleBank,
) -> None:
    sha = "ab" * 32
    p = Pattern(bpm=120, tracks=[own("Gone", sha, [127] * 16)])
    missing: list[str] = []
    out = render(p, bank, 4 * STEP, on_missing_own_sample=missing.append)
    assert not out.any() and missing == ["Gone.wav"]
    with pytest.raises(KitError, match=r"Gone\.wav"):
        bounce(OfflineRender(p, load_default_kit(), 1, SR, bank=bank))


def test_an_undecodable_cached_file_counts_as_missing(tmp_path: Path, bank: SampleBank) -> None:
    sha = "cd" * 32
    (tmp_path / f"{sha}.wav").write_bytes(b"RIFF not really a wave file")
    assert bank.audio(sha) is None


def test_the_demos_open_hat_leaves_the_closed_hat_before_it_ringing() -> None:
    """What keeps every 0.0.1 render as it was (the demo renders bit-identical to main at
    ae2129d): the demo's open hat on step 14 falls inside the closed hat of step 13, and
    it must not cut it, as Hydrogen-style symmetric groups would."""
    kit = load_default_kit()

    def hats(*playing: str) -> np.ndarray:
        p = demo_pattern()
        for t in p.tracks:
            t.mute = t.sample not in playing
        seq = Sequencer(kit, SR)
        seq.set_pattern(p)
        return seq.render(16 * 5422 + 2000)

    sps = SR * 60 / (122 * 4)
    step13 = round(13 * sps) + round(0.1 * sps)  # swung
    step14, step15 = round(14 * sps), round(15 * sps) + round(0.1 * sps)
    assert step13 + len(kit.samples["closed_hat"]) > step14  # it does ring into step 14
    both, closed, opened = hats("closed_hat", "open_hat"), hats("closed_hat"), hats("open_hat")
    assert closed[step14:step15].any()
    assert np.allclose(both[step14:step15], closed[step14:step15] + opened[step14:step15],
                       atol=1e-7, rtol=0)  # fmt: skip


def test_render_command_plays_own_samples_from_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command's folders (and any local server it starts) under tmp_path: it used the
    # real ~/.local/share/sequencer and failed once a newer build had written there.
    monkeypatch.setenv("SEQUENCER_HOME", str(tmp_path / "home"))
    samples = tmp_path / "samples"
    samples.mkdir()
    sound = np.full(2000, 0.3, np.float32)
    sha = write_sample(samples, sound)
    p = Pattern(bpm=120, tracks=[own("Mine", sha, hits(0))])
    src = tmp_path / "p.json"
    src.write_text(json.dumps(p.to_snapshot()))
    out = tmp_path / "out.wav"
    args = ["render", str(src), "-o", str(out), "--loops", "1", "-q"]
    assert main([*args, "--samples", str(samples)]) == 0
    pcm, _rate = read_audio(out)
    assert np.allclose(pcm[:1900, 0], 0.3 * UNIT, atol=1e-4)
    assert main([*args, "--samples", str(tmp_path / "empty")]) == 2


def test_a_long_sample_pitched_down_needs_little_scratch_memory() -> None:
    sound = np.full((30 * SR, 2), 0.1, np.float32)  # the longest sample, stereo
    tracemalloc.start()
    try:
        out = interpolate(sound, pitch_ratio(-24))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.shape == (4 * 30 * SR, 2)
    assert peak < out.nbytes + sound.nbytes + 16 * 1024 * 1024, peak


@pytest.mark.parametrize(("rate", "channels"), [(655_350, 8), (192_000, 8), (96_000, 8)])
def test_a_tiny_file_claiming_a_huge_rate_is_refused_before_decoding(
    tmp_path: Path, rate: int, channels: int
) -> None:
    """A bandmate's sample of FLAC silence is a few hundred KB and 30 s long, but at
    655 kHz on 8 channels it decoded to 2 GB (minutes of swapping per track): its size
    as decoded is bounded too, and it is refused before a frame is read."""
    from desktop_app.audio.audio_files import AudioFileError
    from desktop_app.audio.sample_bank import decode_sample

    path = tmp_path / "bomb.flac"
    with soundfile.SoundFile(
        path, "w", samplerate=rate, channels=channels, format="FLAC", subtype="PCM_16"
    ) as out:
        second = np.zeros((rate, channels), dtype=np.int16)
        for _ in range(20):
            out.write(second)
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(AudioFileError, match=r"too much audio|not playable"):
            decode_sample(path, 44100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_stereo_at_192_khz_for_the_whole_limit_still_loads(tmp_path: Path) -> None:
    from desktop_app.audio.sample_bank import MAX_SAMPLE_SECONDS, decode_sample

    path = tmp_path / "hires.flac"
    seconds = int(MAX_SAMPLE_SECONDS) - 1
    soundfile.write(path, np.zeros((192_000 * seconds, 2), np.float32), 192_000, "PCM_16")
    assert decode_sample(path, 44100).shape == (44100 * seconds, 2)
