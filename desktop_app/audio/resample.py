"""Sample-rate conversion for user kits.

Drum samples are short (well under a few seconds), so an FFT resampler over the whole
sample is both exact (band-limited, no aliasing from a 96 kHz hat) and fast. The sample is
padded with silence first so the FFT's circular wrap cannot smear the tail into the attack.
"""

from __future__ import annotations

import numpy as np


def resample(frames: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample ``frames`` (n,) or (n, ch) from ``src_rate`` to ``dst_rate``."""
    frames = np.asarray(frames, dtype=np.float32)
    if src_rate == dst_rate or len(frames) == 0:
        return frames.copy()
    n = len(frames)
    out_len = max(1, round(n * dst_rate / src_rate))
    pad = max(64, n // 8)
    padded_in = n + pad
    padded_out = round(padded_in * dst_rate / src_rate)
    spectrum = np.fft.rfft(frames, n=padded_in, axis=0)
    keep = min(spectrum.shape[0], padded_out // 2 + 1)
    shaped = np.zeros((padded_out // 2 + 1, *spectrum.shape[1:]), dtype=spectrum.dtype)
    shaped[:keep] = spectrum[:keep]
    out = np.fft.irfft(shaped, n=padded_out, axis=0) * (padded_out / padded_in)
    return out[:out_len].astype(np.float32)
