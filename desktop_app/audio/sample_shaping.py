"""A track's sound shaping: pitch (resampling by 2^(semitones/12)) and decay (a cut with a
short fade), computed so that the same input gives the same output bits on every machine.

A second client must render a shared pattern bit for bit the same. Everything here is
therefore plain IEEE-754 arithmetic (numpy's elementwise +, -, *, each one correctly
rounded, never fused) on float64: no FFT, no BLAS, no libm transcendental whose last bit
depends on the CPU or the C library. The pitch ratio itself, 2^(st/12), is computed with
the ``decimal`` module, which is software arithmetic and gives the same digits everywhere.

Interpolation is the 4-point, 3rd-order Hermite (Catmull-Rom) curve that samplers such as
Hydrogen offer for pitched samples: it needs no filter table, and on drum sounds its small
aliasing when pitching far up is the classic sampler sound rather than a defect anyone
hears as one.
"""

from __future__ import annotations

import math
from decimal import Context, Decimal

import numpy as np

# A decay cut fades out over this long (3 ms), so the cut never clicks.
DECAY_FADE_SECONDS = 0.003
_PITCH_CONTEXT = Context(prec=40)
_BLOCK = 65536  # output frames interpolated at a time


def pitch_ratio(semitones: float) -> float:
    """How much faster the sample plays: 2^(semitones/12), the same float everywhere."""
    if semitones == 0:
        return 1.0
    exponent = _PITCH_CONTEXT.divide(Decimal(repr(float(semitones))), Decimal(12))
    return float(_PITCH_CONTEXT.power(Decimal(2), exponent))


def interpolate(frames: np.ndarray, step: float) -> np.ndarray:
    """Read ``frames`` ((n,) or (n, ch)) every ``step`` input frames: step 2 is an octave
    up and half as long, step 0.5 an octave down and twice as long. float32 out. Worked
    through in blocks, so a long sample pitched far down needs little scratch memory;
    each output frame is computed the same way whatever the block."""
    if step == 1.0 or len(frames) == 0:
        return np.asarray(frames, dtype=np.float32).copy()
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"interpolation step must be positive, not {step!r}")
    n = len(frames)
    count = max(1, math.ceil(n / step))
    # Two frames of silence either side: the curve through the first and last frames
    # needs a neighbour, and the sound is silent outside its file.
    pad = ((2, 3),) + ((0, 0),) * (np.ndim(frames) - 1)
    padded = np.pad(np.asarray(frames, dtype=np.float32), pad)
    out = np.empty((count, *padded.shape[1:]), np.float32)
    for start in range(0, count, _BLOCK):
        stop = min(count, start + _BLOCK)
        out[start:stop] = _hermite(padded, np.arange(start, stop, dtype=np.float64) * step)
    return out


def _hermite(padded: np.ndarray, position: np.ndarray) -> np.ndarray:
    """The curve at ``position`` (input frames). The curve's coefficients are computed once
    per input frame of the block's range, so a sound pitched down (many output frames per
    input frame) costs a few operations per output frame; the arithmetic, and so every
    bit of the result, is the same as computing them per output frame."""
    index = np.floor(position).astype(np.int64)
    frac = position - index
    if padded.ndim == 2:
        frac = frac[:, None]
    first = int(index[0])
    last = int(index[-1])
    y = padded[first + 1 : last + 5].astype(np.float64)  # input frames first-1 .. last+2
    y_1, y0, y1, y2 = y[:-3], y[1:-2], y[2:-1], y[3:]
    c1 = 0.5 * (y1 - y_1)
    c2 = y_1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2
    c3 = 0.5 * (y2 - y_1) + 1.5 * (y0 - y1)
    at = index - first
    return ((c3[at] * frac + c2[at]) * frac + c1[at]) * frac + y0[at]


def to_rate(frames: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """``frames`` at ``src_rate`` played at ``dst_rate`` at their own pitch."""
    if src_rate == dst_rate:
        return np.asarray(frames, dtype=np.float32).copy()
    return interpolate(frames, src_rate / dst_rate)


def decay_fade_frames(sample_rate: int) -> int:
    return max(1, round(DECAY_FADE_SECONDS * sample_rate))


def cut(frames: np.ndarray, seconds: float | None, sample_rate: int) -> np.ndarray:
    """The sound ended after ``seconds`` (None: as it is), its last frames faded out so
    the cut does not click. A sound already shorter is returned unchanged."""
    if seconds is None:
        return frames
    end = max(1, round(seconds * sample_rate))
    if end >= len(frames):
        return frames
    fade = min(end, decay_fade_frames(sample_rate))
    out = np.array(frames[:end], dtype=np.float32)
    ramp = (np.arange(fade, 0, -1, dtype=np.float64) - 1.0) / fade  # (fade-1)/fade .. 0
    ramp32 = ramp.astype(np.float32)
    out[end - fade :] *= ramp32[:, None] if out.ndim == 2 else ramp32
    return out


def shape(
    frames: np.ndarray, sample_rate: int, pitch: float = 0.0, decay: float | None = None
) -> np.ndarray:
    """A track's sound as it plays: pitched by ``pitch`` semitones, then cut at ``decay``
    seconds (of the pitched sound)."""
    pitched = interpolate(frames, pitch_ratio(pitch)) if pitch else frames
    return cut(pitched, decay, sample_rate)
