"""Offline bounce of the demo groove (16 steps, 8 tracks with a closed-hat track, 124 BPM).

What it reports, all in one run so the figures share the machine's state:

- ``per_loop``: render-only time per loop at 64 … 4096 loops (the choke used to make it
  grow with the length); ``flatness_cpu`` is the largest per-loop CPU time over the
  smallest (goal <= 1.3), ``flatness_wall`` the same in wall time;
- ``cli_1024``: ``sequencer render`` of 1024 loops (33 min) to MP3 320 in a fresh process,
  wall time and peak RSS (VmHWM; goal <= 150 MB at any length);
- ``encode``: the same 64 loops rendered+encoded by us, encoded alone by our encoder, and
  encoded by the ``lame`` CLI from a 16-bit WAV when it is installed;
- ``startup``: ``sequencer render`` of one loop against ``python -c pass``: wall time and
  peak RSS (goal <= 80 MB).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import median
from desktop_app.audio.bounce import OfflineRender, bounce, bounce_blocks
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.mp3 import Mp3Encoder
from desktop_app.audio.wavio import write_wav
from desktop_app.domain.pattern import Pattern, demo_pattern

SR = 44100
BITRATE = 320
BPM = 124


def _pattern() -> Pattern:
    pattern = demo_pattern()
    pattern.set_bpm(BPM)
    assert pattern.length == 16 and len(pattern.tracks) == 8
    assert any(t.sample == "closed_hat" and any(t.steps) for t in pattern.tracks)
    return pattern


def _encode(pcm: np.ndarray) -> int:
    encoder = Mp3Encoder(SR, 2, BITRATE)
    size = 0
    for i in range(0, len(pcm), 65536):
        size += len(encoder.encode(pcm[i : i + 65536]))
    return size + len(encoder.flush())


def _child(code: str) -> tuple[float, int, str]:
    """Run ``code`` in a fresh interpreter: (wall seconds, peak RSS in KB, stdout).
    VmHWM rather than ru_maxrss, which keeps the forking parent's peak across exec."""
    probe = (
        f"{code}\nimport sys\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print('HWM', hwm.split()[1])\n"
    )
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode:
        raise RuntimeError(done.stderr)
    rss = int(done.stdout.rsplit("HWM", 1)[1])
    return wall, rss, done.stdout


def _cli_render(pattern_file: Path, out: Path, loops: int) -> tuple[float, int]:
    wall, rss, _ = _child(
        "from desktop_app.__main__ import main\n"
        f"assert main(['render', {str(pattern_file)!r}, '-o', {str(out)!r}, "
        f"'--loops', '{loops}', '-q']) == 0"
    )
    return wall, rss


def run(args) -> dict:
    quick = args.quick
    kit = load_default_kit()
    pattern = _pattern()
    loop_seconds = 16 * 60 / (BPM * 4)
    per_loop = {}
    # (loops, repeats): the best of a few runs, in CPU time as well as wall time, so that
    # other work on a shared machine does not pass for growth with the length.
    for loops, repeats in ((8, 3), (64, 3)) if quick else ((64, 5), (256, 3), (1024, 2), (4096, 1)):
        walls, cpus = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            frames = sum(len(b) for b in bounce_blocks(OfflineRender(pattern, kit, loops, SR)))
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        per_loop[loops] = {
            "audio_seconds": frames / SR,
            "render_s": min(walls),
            "cpu_s": min(cpus),
            "ms_per_loop": 1000 * min(walls) / loops,
            "cpu_ms_per_loop": 1000 * min(cpus) / loops,
            "realtime_factor": frames / SR / min(walls),
        }
    times = [v["cpu_ms_per_loop"] for v in per_loop.values()]
    walls_per_loop = [v["ms_per_loop"] for v in per_loop.values()]

    loops = 8 if quick else 64
    ours, alone = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        pcm = bounce(OfflineRender(pattern, kit, loops, SR))
        size = _encode(pcm)
        ours.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        _encode(pcm)
        alone.append(time.perf_counter() - t1)
    audio_seconds = len(pcm) / SR
    encode = {
        "loops": loops,
        "audio_seconds": audio_seconds,
        "mp3_bytes": size,
        "ours_render_and_encode_s": median(ours),
        "ours_encoder_alone_s": median(alone),
        "realtime_factor": audio_seconds / median(ours),
    }
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "in.wav"
        write_wav(wav, pcm, SR, bits=16)
        lame = shutil.which("lame")
        if lame:
            cli = []
            for _ in range(3):
                t0 = time.perf_counter()
                subprocess.run(
                    [lame, "--quiet", "-b", str(BITRATE), str(wav), str(Path(tmp) / "cli.mp3")],
                    check=True,
                )
                cli.append(time.perf_counter() - t0)
            encode["lame_cli_s"] = median(cli)
            encode["ours_fraction_of_lame_cli_speed"] = median(cli) / median(ours)
        else:
            encode["lame_cli_s"] = "skipped: lame is not installed (apt-get install lame)"

        pattern_file = Path(tmp) / "groove.json"
        import json

        pattern_file.write_text(json.dumps(pattern.to_snapshot()))
        long_loops = 16 if quick else 1024
        wall, rss = _cli_render(pattern_file, Path(tmp) / "long.mp3", long_loops)
        cli_long = {
            "loops": long_loops,
            "audio_seconds": long_loops * loop_seconds,
            "wall_s": wall,
            "peak_rss_mb": rss / 1024,
            "realtime_factor": long_loops * loop_seconds / wall,
        }
        one_wall, one_rss = _cli_render(pattern_file, Path(tmp) / "one.mp3", 1)
        bare_wall, bare_rss, _ = _child("pass")
        startup = {
            "render_one_loop_wall_s": one_wall,
            "render_one_loop_peak_rss_mb": one_rss / 1024,
            "bare_python_wall_s": bare_wall,
            "bare_python_peak_rss_mb": bare_rss / 1024,
        }
    return {
        "benchmark": "bounce",
        "pattern": {"steps": 16, "tracks": 8, "bpm": BPM, "closed_hat": True},
        "per_loop": per_loop,
        "flatness_cpu": max(times) / min(times),
        "flatness_wall": max(walls_per_loop) / min(walls_per_loop),
        "goal_flatness": 1.3,
        "encode": encode,
        "cli_long_render": cli_long,
        "goal_peak_rss_mb": 150,
        "startup": startup,
        "goal_startup_rss_mb": 80,
    }
