"""Waveform peaks for a message's mini waveform: about 100 values in 0..1.

``PeakTracker`` keeps one maximum per incoming block while recording (a few floats per
second), so the peaks of a five-minute take are ready the moment it stops.
"""

from __future__ import annotations

import numpy as np

DEFAULT_COUNT = 100


def compute_peaks(pcm: np.ndarray, count: int = DEFAULT_COUNT) -> list[float]:
    """``count`` absolute peaks (0..1) over equal slices of ``pcm`` (n,) or (n, ch)."""
    pcm = np.asarray(pcm, dtype=np.float32)
    if len(pcm) == 0:
        return []
    mag = np.abs(pcm) if pcm.ndim == 1 else np.max(np.abs(pcm), axis=1)
    count = min(count, len(mag))
    edges = np.linspace(0, len(mag), count + 1).astype(int)
    peaks = np.maximum.reduceat(mag, edges[:-1])
    return [round(min(1.0, float(p)), 4) for p in peaks]


class PeakTracker:
    """Accumulates per-block peaks; ``peaks()`` reduces them to ``count`` values."""

    def __init__(self) -> None:
        self._maxima: list[float] = []
        self._frames: list[int] = []
        self.last = 0.0

    def add(self, block: np.ndarray) -> float:
        self.last = min(1.0, float(np.max(np.abs(block)))) if len(block) else 0.0
        self._maxima.append(self.last)
        self._frames.append(len(block))
        return self.last

    def peaks(self, count: int = DEFAULT_COUNT) -> list[float]:
        """Weighted by block length, so uneven blocks still map to even slices of time."""
        if not self._maxima:
            return []
        ends = np.cumsum(self._frames)
        total = int(ends[-1])
        count = min(count, total)
        maxima = np.asarray(self._maxima, np.float32)
        starts = ends - np.asarray(self._frames)
        out = []
        for i in range(count):
            a, b = total * i // count, total * (i + 1) // count
            lo = int(np.searchsorted(ends, a, side="right"))
            hi = max(lo + 1, int(np.searchsorted(starts, b, side="left")))
            out.append(round(float(maxima[lo:hi].max()), 4))
        return out
