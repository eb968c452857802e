"""Offline bounce: 64 loops of a 16-step, 8-track pattern at 120 BPM, rendered and encoded
to MP3, against encoding the same PCM alone (the floor: LAME's own speed).

``fraction_of_floor_speed`` = floor time / our time; the goal is >= 0.8, i.e. rendering
the pattern costs at most a quarter of what encoding it does."""

from __future__ import annotations

import time

from benchmarks.common import median
from desktop_app.audio.bounce import bounce
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.mp3 import Mp3Encoder
from desktop_app.domain.pattern import demo_pattern

SR = 44100
BITRATE = 320


def _encode(pcm) -> int:
    encoder = Mp3Encoder(SR, 2, BITRATE)
    return len(encoder.encode(pcm)) + len(encoder.flush())


def run(args) -> dict:
    loops = 8 if args.quick else 64
    repeats = 3
    kit = load_default_kit()
    pattern = demo_pattern()
    pattern.set_bpm(120)
    assert pattern.length == 16 and len(pattern.tracks) == 8
    ours, floor, render_only = [], [], []
    pcm = bounce(pattern, kit, loops, SR)
    for _ in range(repeats):
        t0 = time.perf_counter()
        pcm = bounce(pattern, kit, loops, SR)
        t1 = time.perf_counter()
        size = _encode(pcm)
        t2 = time.perf_counter()
        ours.append(t2 - t0)
        render_only.append(t1 - t0)
        t3 = time.perf_counter()
        _encode(pcm)
        floor.append(time.perf_counter() - t3)
    audio_seconds = len(pcm) / SR
    ours_s, floor_s = median(ours), median(floor)
    return {
        "benchmark": "bounce",
        "pattern": {"steps": 16, "tracks": 8, "bpm": 120, "loops": loops},
        "audio_seconds": audio_seconds,
        "bitrate_kbps": BITRATE,
        "mp3_bytes": size,
        "repeats": repeats,
        "ours_render_and_encode_s": ours_s,
        "ours_render_only_s": median(render_only),
        "baseline_encode_only_s": floor_s,
        "realtime_factor": audio_seconds / ours_s,
        "fraction_of_floor_speed": floor_s / ours_s,
        "goal_fraction": 0.8,
    }
