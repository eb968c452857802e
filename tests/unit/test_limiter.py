"""The true-peak master limiter: decoded MP3s of dense patterns stay below full scale
(issue 16, defect 4). The ceiling is -2 dBTP (limiter.py says why)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio.bounce import OfflineRender, bounce
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.limiter import CEILING, LATENCY, THRESHOLD, TruePeakLimiter
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.domain.pattern import Pattern, demo_pattern
from tests.unit.mp3_decoding import decode_mp3

SR = 44100
DECODED_MAX_DBFS = -0.1


def dense(bpm: float) -> Pattern:
    """Every sound on every step at full velocity and volume: the worst case."""
    p = demo_pattern()
    for t in p.tracks:
        t.volume = 1.0
        t.steps = [127] * p.length
    p.set_bpm(bpm)
    return p


def loud_demo(bpm: float) -> Pattern:
    p = demo_pattern()
    for t in p.tracks:
        t.volume = 1.0
    p.set_bpm(bpm)
    return p


def true_peak_dbfs(x: np.ndarray, factor: int = 16) -> float:
    """Measured independently of the limiter: ideal (FFT) interpolation of the loop."""
    n = len(x)
    spectrum = np.fft.rfft(x.astype(np.float64), axis=0)
    padded = np.zeros((factor * n // 2 + 1, x.shape[1]), complex)
    padded[: len(spectrum)] = spectrum
    y = np.fft.irfft(padded, factor * n, axis=0) * factor
    return float(20 * np.log10(np.abs(y).max()))


def dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.abs(x).max()))


@pytest.mark.parametrize("make", [dense, loud_demo])
def test_true_peak_stays_at_the_ceiling(make) -> None:
    for bpm in (124.0, 174.0):
        out = bounce(OfflineRender(make(bpm), load_default_kit(), 2, SR))
        # 16 taps a phase cannot see everything right at Nyquist: 0.25 dB of slack.
        assert true_peak_dbfs(out) <= 20 * np.log10(CEILING) + 0.25


def _decoders(path: Path) -> dict[str, np.ndarray]:
    got = {"own (QAudioDecoder)": decode_mp3(path) / 32768.0}
    for name, cmd in {
        "ffmpeg": ["ffmpeg", "-v", "quiet", "-i", str(path), "-f", "s16le", "-ac", "2", "-"],
        "mpg123": ["mpg123", "-q", "-s", str(path)],
    }.items():
        if shutil.which(cmd[0]):
            raw = subprocess.run(cmd, capture_output=True, check=True, timeout=60).stdout
            got[name] = np.frombuffer(raw, np.int16) / 32768.0
    return got


@pytest.mark.parametrize("bitrate", [320, 128])
def test_decoded_mp3_of_dense_patterns_stays_below_full_scale(
    qapp, tmp_path: Path, bitrate: int
) -> None:
    kit = load_default_kit()
    for make in (dense, loud_demo):
        for bpm in (124.0, 174.0):
            path = tmp_path / f"{make.__name__}-{bpm:.0f}-{bitrate}.mp3"
            encode_mp3(bounce(OfflineRender(make(bpm), kit, 4, SR)), SR, path, bitrate)
            for decoder, pcm in _decoders(path).items():
                level = dbfs(pcm)
                assert level <= DECODED_MAX_DBFS, (path.name, decoder, level)


def test_limiter_output_does_not_depend_on_the_block_size() -> None:
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((20000, 2)) * 0.5).astype(np.float32)
    x[5000:5100] *= 4  # a burst well over the ceiling
    outs = []
    for block in (37, 512, 20000):
        lim = TruePeakLimiter()
        outs.append(
            np.concatenate([lim.process(x[i : i + block]) for i in range(0, len(x), block)])
        )
    for out in outs[1:]:
        assert np.max(np.abs(out - outs[0])) <= 1e-6
    # LATENCY frames behind the input
    lim = TruePeakLimiter()
    quiet = (x * 0.1).astype(np.float32)
    assert np.array_equal(lim.process(quiet)[LATENCY:], quiet[:-LATENCY])


def test_quiet_material_passes_untouched() -> None:
    t = np.arange(SR) / SR
    tone = (0.9 * THRESHOLD * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    x = np.stack([tone, tone], axis=1)
    lim = TruePeakLimiter()
    lim.prime(x[:LATENCY])
    out = lim.process(np.concatenate([x[LATENCY:], np.zeros((LATENCY, 2), np.float32)]))
    assert np.array_equal(out, x)
