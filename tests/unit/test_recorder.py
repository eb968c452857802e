"""The recorder end to end with the clock-paced engine: WAV + MP3 while recording."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.common import record_engine_output
from desktop_app.audio.audio_files import read_audio
from desktop_app.audio.audio_input import InputTap
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.mp3 import read_mp3_info
from desktop_app.audio.recorder import Recorder, RecordingError
from desktop_app.domain.pattern import demo_pattern
from tests.unit.mp3_decoding import decode_mp3

SR = 44100


@pytest.fixture(scope="module")
def kit():
    return load_default_kit()


def fast_engine(kit, speed: float = 0) -> Engine:
    engine = Engine(kit, use_device=False, clock_speed=speed)
    engine.set_pattern(demo_pattern())
    return engine


def record(engine: Engine, recorder: Recorder, seconds: float) -> None:
    """Record ``seconds`` of engine output (counted in frames, not wall time)."""
    record_engine_output(engine, recorder, seconds, timeout=20)


def test_recording_end_to_end(qapp, kit, tmp_path: Path) -> None:
    engine = fast_engine(kit, speed=8)  # paced by the clock, 8x real time
    recorder = Recorder(engine, tmp_path / "rec", bitrate=320)
    blocks: list[np.ndarray] = []
    engine.add_block_listener(blocks.append)
    record(engine, recorder, 3.0)
    # the writer thread counts what it has taken in; under load it may trail the engine
    deadline = time.monotonic() + 10
    while recorder.elapsed() <= 2.0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert recorder.is_recording and recorder.elapsed() > 2.0 and 0 < recorder.level() <= 1
    t0 = time.perf_counter()
    result = recorder.stop()
    stop_seconds = time.perf_counter() - t0
    engine.stop()

    assert stop_seconds < 0.5  # in practice a few milliseconds
    assert result.mp3_path.exists() and result.wav_path.exists()
    assert sorted(p.name for p in (tmp_path / "rec").iterdir()) == sorted(
        [result.mp3_path.name, result.wav_path.name]
    )
    assert result.bitrate == 320 and result.size_bytes == result.mp3_path.stat().st_size
    assert 3.0 <= result.duration < 4.0
    assert len(result.peaks) == 100 and 0.2 < max(result.peaks) <= 1.0

    # The WAV is the lossless original: bit-exact engine output, starting at a block.
    wav, rate = read_audio(result.wav_path)
    assert rate == SR and len(wav) == round(result.duration * SR)
    played = np.concatenate(blocks)
    start = next(
        i * 512
        for i in range(len(played) // 512)
        if np.array_equal(played[i * 512], wav[0])
        and np.array_equal(played[i * 512 : i * 512 + 2048], wav[:2048])
    )
    assert np.array_equal(played[start : start + len(wav)], wav)

    # The MP3 decodes with FFmpeg (QAudioDecoder), which reads the gapless tag.
    decoded = decode_mp3(result.mp3_path)
    info = read_mp3_info(result.mp3_path)
    assert info.bitrate == 320
    # Gapless: the MP3 decodes to exactly the recorded length.
    assert info.samples == len(wav) == len(decoded)
    # ... and sounds like the WAV, sample-aligned (no encoder delay left to skip).
    ref = wav[: SR * 2, 0]
    got = decoded[: SR * 2, 0] / 32768.0
    assert np.corrcoef(ref, got)[0, 1] > 0.99


def test_stop_with_nothing_recorded_leaves_no_file(kit, tmp_path: Path) -> None:
    engine = fast_engine(kit)  # never started: no blocks arrive
    recorder = Recorder(engine, tmp_path)
    recorder.start()
    with pytest.raises(RecordingError, match="Nothing was recorded"):
        recorder.stop()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RecordingError, match="Not recording"):
        recorder.stop()


def test_unwritable_folder_is_a_clear_error(kit, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    recorder = Recorder(fast_engine(kit), blocker / "recordings")
    with pytest.raises(RecordingError, match=r"Could not write the recording to .*recordings"):
        recorder.start()
    assert not recorder.is_recording


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_is_a_clear_error_and_leaves_nothing(kit, tmp_path: Path) -> None:
    # /dev/full fails every write with ENOSPC, like a full disk.
    os.symlink("/dev/full", tmp_path / "take.wav.part")
    errors: list[str] = []
    engine = fast_engine(kit)
    recorder = Recorder(engine, tmp_path, on_error=errors.append)
    recorder.start("take")
    engine.start()
    deadline = time.monotonic() + 10
    while not errors and time.monotonic() < deadline:
        time.sleep(0.01)
    engine.stop()
    with pytest.raises(RecordingError, match="The disk is full"):
        recorder.stop()
    assert errors and "disk is full" in errors[0]
    assert list(tmp_path.iterdir()) == []  # no .part, no "finished" files


def test_input_is_mixed_into_the_recording(kit, tmp_path: Path) -> None:
    tap = InputTap(SR)
    tone = (0.3 * np.sin(2 * np.pi * 1000 * np.arange(SR // 4) / SR)).astype(np.float32)
    tap.push(tone[:, None])  # what the input stream's callback does (mono input)
    engine = Engine(kit, use_device=False, clock_speed=0)
    silent = demo_pattern()
    for t in silent.tracks:
        t.mute = True
    engine.set_pattern(silent)
    recorder = Recorder(engine, tmp_path, input_source=tap)
    record(engine, recorder, 0.4)
    result = recorder.stop()
    engine.stop()
    wav, _ = read_audio(result.wav_path)
    # The pattern is muted, so what was recorded is the input (mono on both sides),
    # then silence once the input has nothing more.
    assert np.allclose(wav[: len(tone), 0], tone, atol=1e-6)
    assert np.allclose(wav[: len(tone), 1], tone, atol=1e-6)
    assert not wav[len(tone) :].any()


def test_mix_input_without_a_device_is_a_clear_error(kit, tmp_path: Path) -> None:
    from desktop_app.audio.output import list_input_devices

    if list_input_devices():
        pytest.skip("this machine has an audio input")
    recorder = Recorder(fast_engine(kit), tmp_path, mix_input=True, input_device="Mic 7")
    with pytest.raises(RecordingError, match="Cannot open input 'Mic 7'"):
        recorder.start()
    assert list(tmp_path.iterdir()) == []


def test_input_tap_keeps_only_a_short_buffer() -> None:
    tap = InputTap(SR, max_seconds=0.01)
    tap.push(np.ones((SR, 2), np.float32))
    first = tap.take(100)
    assert first.shape == (100, 2) and first.all()
    tap.take(10_000)
    assert not tap.take(10).any()  # drained: silence, not an error
