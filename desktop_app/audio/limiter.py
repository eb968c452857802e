"""The master limiter: a soft knee on the samples, then a true-peak gain stage.

A sample-peak ceiling is not enough for a file that will be decoded: the waveform a DAC
or an MP3 decoder reconstructs swings above the samples between them (inter-sample
peaks), and an MP3's quantisation noise adds a little more. Decoded renders of dense
patterns went to +0.8…+1.6 dBFS with a -0.1 dBFS sample ceiling. So the true peak is
measured at 4x oversampling (windowed-sinc interpolation, as ITU-R BS.1770 Annex 2 does)
and the signal is turned down smoothly wherever it would pass ``CEILING``.

``CEILING`` is -1.0 dBTP: the level EBU R128 (Tech 3343) and AES TD1004 recommend for
material that goes through a lossy encoder, and the level at which every decoded MP3 of
the dense test patterns stays at or below -0.1 dBFS in ffmpeg, mpg123 and our own
decoder at 320 kbit/s (tests/unit/test_limiter.py, benchmarks/bounce.py).

Every output sample is a pure function of a fixed window of input around it (no
recursive state), so the result does not depend on how the stream is cut into blocks:
the live engine, the recorder and the offline bounce produce identical samples. The price
is ``LATENCY`` frames of look-ahead; callers prime the limiter with that many frames
(``prime``), which keeps the output aligned with the sequencer's clock.
"""

from __future__ import annotations

import numpy as np

# The soft knee (stateless) is transparent below THRESHOLD and approaches CEILING above.
THRESHOLD = 0.7
CEILING = 10 ** (-2.0 / 20)
OVERSAMPLE = 4
# Interpolation taps on each side of the point between samples (16 taps a phase).
HALF_TAPS = 16
# Gain changes are spread over this many frames (~0.7 ms): look-ahead attack and the
# same release, so the gain never steps (no clicks) and never lags a peak.
SMOOTH = 32
LATENCY = SMOOTH - 1 + HALF_TAPS
# Below this sample level no inter-sample peak can reach CEILING in practice (+6 dB of
# overshoot); blocks that quiet skip the oversampling.
GATE = THRESHOLD / 2


def _phase_kernels() -> np.ndarray:
    """(OVERSAMPLE - 1, 2 * HALF_TAPS) kernels: the value at u + p/4 is
    sum_j kernel[p-1, j] * x[u - HALF_TAPS + 1 + j]."""
    k = np.arange(-HALF_TAPS + 1, HALF_TAPS + 1)
    rows = []
    for p in range(1, OVERSAMPLE):
        t = k - p / OVERSAMPLE
        # A Kaiser window centred on the interpolation point, sampled at the taps.
        window = np.i0(8.0 * np.sqrt(np.clip(1 - (t / (HALF_TAPS + 0.5)) ** 2, 0, 1))) / np.i0(8.0)
        rows.append(np.sinc(t) * window)
    return np.array(rows)


_KERNELS = _phase_kernels().astype(np.float32)
_KERNELS_T = np.ascontiguousarray(_KERNELS.T, np.float32)


def _channel_max(a: np.ndarray) -> np.ndarray:
    """Row-wise max of a narrow (n, k) array (faster than ``max(axis=1)`` for small k)."""
    out = a[:, 0].copy()
    for c in range(1, a.shape[1]):
        np.maximum(out, a[:, c], out=out)
    return out


def soft_knee(buf: np.ndarray) -> np.ndarray:
    """Stateless soft knee in place: no sample ever exceeds CEILING."""
    mag = np.abs(buf)
    over = mag > THRESHOLD
    if over.any():
        span = CEILING - THRESHOLD
        limited = THRESHOLD + span * np.tanh((mag[over] - THRESHOLD) / span)
        buf[over] = np.copysign(limited, buf[over]).astype(buf.dtype)
    return buf


def knee(peak: np.ndarray) -> np.ndarray:
    """The level a true peak is brought to: itself below THRESHOLD, then a soft knee
    that approaches CEILING."""
    span = CEILING - THRESHOLD
    over = peak > THRESHOLD
    out = peak.copy()
    out[over] = THRESHOLD + span * np.tanh((peak[over] - THRESHOLD) / span)
    return out


def true_peaks(x: np.ndarray) -> np.ndarray:
    """For (n, ch) frames: the largest magnitude over all channels at u and at the three
    interpolated points after it, for u in [HALF_TAPS - 1, n - HALF_TAPS). Points whose
    neighbourhood stays below GATE are not interpolated (they cannot reach THRESHOLD)."""
    n = len(x)
    taps = 2 * HALF_TAPS
    level = _channel_max(np.abs(x))
    peak = level[HALF_TAPS - 1 : n - HALF_TAPS].copy()
    loud = _running_max(level, taps) > GATE
    where = np.nonzero(loud)[0]
    if len(where) > len(loud) // 8:  # mostly loud: filter everything, it is cheaper
        for kernel in _KERNELS:
            for c in range(x.shape[1]):
                np.maximum(peak, np.abs(np.correlate(x[:, c], kernel, "valid")), out=peak)
    elif len(where):
        for c in range(x.shape[1]):
            windows = np.lib.stride_tricks.sliding_window_view(x[:, c], taps)[where]
            between = _channel_max(np.abs(windows @ _KERNELS_T))
            peak[where] = np.maximum(peak[where], between)
    return peak


def _running_max(a: np.ndarray, width: int) -> np.ndarray:
    """max(a[i : i + width]) for every full window (width a power of two), by doubling."""
    return -_running_min(-a, width)


def _running_min(a: np.ndarray, width: int) -> np.ndarray:
    """min(a[i : i + width]) for every full window (width a power of two), by doubling."""
    span = 1
    while span < width:
        a = np.minimum(a[:-span], a[span:])
        span *= 2
    return a


class TruePeakLimiter:
    """Streaming: ``process(block)`` returns as many frames as it is given, ``LATENCY``
    frames behind its input. The first ``LATENCY`` frames out are the silence before the
    stream (see ``prime``)."""

    def __init__(self, channels: int = 2) -> None:
        self.channels = channels
        # The last 2 * LATENCY input frames (after the knee): the context on both sides.
        self._hist = np.zeros((2 * LATENCY, channels), np.float32)

    def prime(self, block: np.ndarray) -> None:
        """Feed the first ``LATENCY`` frames of a stream and drop the (silent) output, so
        that the next ``process`` returns frames aligned with the stream's start."""
        self.process(block)

    def process(self, block: np.ndarray) -> np.ndarray:
        n = len(block)
        if n == 0:
            return block[:0].astype(np.float32)
        data = np.concatenate([self._hist, np.asarray(block, np.float32)])
        self._hist = data[-2 * LATENCY :]
        out = data[LATENCY : LATENCY + n].copy()
        if max(-data.min(), data.max()) <= GATE:
            return out
        # g_req[u] for data indices u in [LATENCY - SMOOTH + 1, LATENCY + n + SMOOTH - 1)
        lo = LATENCY - SMOOTH + 1
        hi = LATENCY + n + SMOOTH - 1
        peaks = true_peaks(data[lo - HALF_TAPS + 1 : hi + HALF_TAPS])
        if peaks.max() <= THRESHOLD:
            return out
        over = peaks > THRESHOLD
        need = np.ones_like(peaks)
        need[over] = knee(peaks[over]) / peaks[over]
        # h[s] = min(need[s .. s + SMOOTH - 1]); gain[t] = mean(h[t - SMOOTH + 1 .. t]):
        # every h averaged into gain[t] has seen need[t], so gain[t] <= need[t].
        held = _running_min(need, SMOOTH)
        gain = np.convolve(held, np.full(SMOOTH, 1.0 / SMOOTH), "valid")
        out *= gain.astype(np.float32)[:, None]
        return out
