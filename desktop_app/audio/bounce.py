"""Offline bounce: N loops of a pattern as one float32 array, as fast as numpy goes.

The render is exactly ``loops`` passes long. Whatever rings past the end of the last pass
(an open hat, a kick's tail) is folded back onto the start, which is what the first pass
would have heard had the loop been playing already - so the file loops seamlessly.
"""

from __future__ import annotations

import numpy as np

from desktop_app.audio.kit import Kit
from desktop_app.audio.sequencer import Sequencer, longest_sample, soft_limit
from desktop_app.audio.timing import loop_samples
from desktop_app.domain.pattern import Pattern

MAX_LOOPS = 10_000


def bounce(pattern: Pattern, kit: Kit, loops: int = 1, sample_rate: int = 44100) -> np.ndarray:
    """Render ``loops`` passes of ``pattern`` with ``kit``; returns (n, 2) float32.

    Raises ``KitError`` when a track uses a sample the kit does not have, and
    ``ValueError`` for a loop count below 1."""
    if not isinstance(loops, int) or not 1 <= loops <= MAX_LOOPS:
        raise ValueError(f"loops: {loops!r} is outside 1-{MAX_LOOPS}")
    seq = Sequencer(kit, sample_rate, strict=True)
    seq.set_pattern(pattern.copy())
    seq.step_limit = loops * pattern.length
    total = loop_samples(pattern, sample_rate, loops)
    tail = longest_sample(seq.kit)
    buf = seq.render(total + tail)
    out = buf[:total]
    for offset in range(total, len(buf), total):
        chunk = buf[offset : offset + total]
        out[: len(chunk)] += chunk
    return soft_limit(np.ascontiguousarray(out))
