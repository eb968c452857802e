"""Recording: time from "stop" to a finished MP3.

Ours: the recorder encodes while recording, so stop only flushes LAME's last frames and
renames the files. The seed's way: write the WAV while recording, then convert it to MP3
after stop. Both take the same five minutes of engine output in the same run.

The engine runs unpaced (faster than real time) so five minutes take seconds; before
stop we wait until the recorder has caught up, which is where it always is in real time
(it encodes ~40x faster than real time, so its backlog is a block or two)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import median, ratio, record_engine_output
from desktop_app.audio.audio_files import read_audio
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.audio.recorder import Recorder
from desktop_app.domain.pattern import demo_pattern

SR = 44100
BITRATE = 320


def _record(engine: Engine, folder: Path, seconds: float):
    recorder = Recorder(engine, folder, bitrate=BITRATE)
    record_engine_output(engine, recorder, seconds)
    engine.stop()
    while recorder.backlog():
        time.sleep(0.01)
    time.sleep(0.2)  # let the worker finish its current batch, as in real time
    t0 = time.perf_counter()
    result = recorder.stop()
    return time.perf_counter() - t0, result


def _seed_way(wav: Path, mp3: Path) -> float:
    """After stop: read the WAV back and convert it to MP3."""
    t0 = time.perf_counter()
    pcm, rate = read_audio(wav)
    encode_mp3(pcm, rate, mp3, BITRATE)
    return time.perf_counter() - t0


def run(args) -> dict:
    seconds = 30.0 if args.quick else 300.0
    repeats = 3
    kit = load_default_kit()
    ours, baseline, durations, sizes = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            engine = Engine(kit, use_device=False, clock_speed=0)
            engine.set_pattern(demo_pattern())
            stop_s, result = _record(engine, Path(tmp) / f"ours{i}", seconds)
            ours.append(stop_s)
            durations.append(result.duration)
            sizes.append(result.size_bytes)
            baseline.append(_seed_way(result.wav_path, Path(tmp) / f"seed{i}.mp3"))
            result.wav_path.unlink()
    ours_ms, base_ms = median(ours) * 1000, median(baseline) * 1000
    return {
        "benchmark": "recording",
        "recorded_seconds": median(durations),
        "bitrate_kbps": BITRATE,
        "mp3_bytes": int(median(sizes)),
        "repeats": repeats,
        "ours_stop_to_mp3_ms": ours_ms,
        "ours_runs_ms": [round(x * 1000, 2) for x in ours],
        "baseline_convert_after_stop_ms": base_ms,
        "baseline_runs_ms": [round(x * 1000, 1) for x in baseline],
        "ratio": ratio(base_ms, ours_ms),
        "goal": {"ours_ms_max": 50, "ratio_min": 50},
    }
