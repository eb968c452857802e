"""Offline bounce: N loops of a pattern, rendered block by block, as fast as numpy goes.

The render is exactly ``loops`` passes long and equals what the live engine plays once
the loop has been going for a while (its steady state): before the first pass the
sequencer plays enough passes of pre-roll for every tail that can ring into it (an open
hat, a kick's tail) to be there, and a choke on step 0 cuts that tail just as it does
live. So the file loops seamlessly. After the last pass the sequencer plays on for the
limiter's look-ahead, so the end is limited as it is live, too.

What is rendered — the pattern, the kit, the passes, the rate and where own samples come
from — is one ``OfflineRender``, which the mix here, the stems (``stems.py``) and the
files written from both (``services/audio_export.py``) are each given whole.

``bounce_blocks`` yields the file in blocks of at most ``BLOCK`` frames, which is what
lets ``sequencer render`` stream a render of any length to disk in constant memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from desktop_app.audio.kit import Kit
from desktop_app.audio.limiter import LATENCY, TruePeakLimiter
from desktop_app.audio.sample_bank import SampleBank
from desktop_app.audio.sequencer import Sequencer
from desktop_app.audio.timing import loop_samples
from desktop_app.domain.pattern import Pattern

MAX_LOOPS = 10_000
# Frames rendered at a time: large enough for numpy to be efficient, small enough that
# memory does not depend on the length of the render (~0.5 MB a block).
BLOCK = 65536


def check_loops(loops: int) -> int:
    if not isinstance(loops, int) or not 1 <= loops <= MAX_LOOPS:
        raise ValueError(f"loops: {loops!r} is outside 1-{MAX_LOOPS}")
    return loops


def bounce_frames(pattern: Pattern, loops: int, sample_rate: int = 44100) -> int:
    """The length of a bounce in frames (exactly ``loops`` passes)."""
    return loop_samples(pattern, sample_rate, check_loops(loops))


@dataclass(frozen=True)
class OfflineRender:
    """``loops`` passes of ``pattern`` played by ``kit`` at ``sample_rate``; tracks with
    their own sample play it from ``bank``."""

    pattern: Pattern
    kit: Kit
    loops: int = 1
    sample_rate: int = 44100
    bank: SampleBank | None = None

    @property
    def frames(self) -> int:
        """``bounce_frames``: exactly ``loops`` passes (``ValueError`` for a loop count
        outside 1-MAX_LOOPS)."""
        return bounce_frames(self.pattern, self.loops, self.sample_rate)

    def sequencer(self) -> Sequencer:
        """A strict sequencer (a missing sound is an error, not silence) on a copy of the
        pattern, for every offline render: the mix here and the stems (stems.py)."""
        seq = Sequencer(self.kit, self.sample_rate, strict=True, bank=self.bank)
        seq.set_pattern(self.pattern.copy())
        return seq


def bounce_blocks(render: OfflineRender, block: int = BLOCK) -> Iterator[np.ndarray]:
    """The bounce as (m, 2) float32 blocks, limited, ``render.frames`` in all.

    Raises ``KitError`` at once when a track uses a sample the kit does not have or an own
    sample the bank cannot play, and ``ValueError`` for a loop count below 1."""
    total = render.frames
    return _stream(render.sequencer(), render.pattern, total, block)


def pre_roll_frames(seq: Sequencer, pattern: Pattern) -> int:
    """Whole passes enough for the longest sound the pattern plays to ring into the first."""
    one_loop = loop_samples(pattern, seq.sample_rate)
    tail = seq.longest_sound(pattern)
    return loop_samples(pattern, seq.sample_rate, math.ceil(tail / one_loop)) if tail else 0


def _stream(seq: Sequencer, pattern: Pattern, total: int, block: int) -> Iterator[np.ndarray]:
    limiter = TruePeakLimiter()
    pre = pre_roll_frames(seq, pattern)
    # Pre-roll: the passes whose tails ring into the first one, on their own grid.
    seq.reset(-pre)
    for chunk in render_blocks(seq.render, pre, block):
        limiter.process(chunk)
    seq.anchor_grid()  # step 0 of the first pass at frame 0, tails still sounding
    # The limiter is LATENCY frames behind: drop what it still owes for the pre-roll and
    # render LATENCY frames past the end for its look-ahead.
    drop = LATENCY
    for chunk in render_blocks(seq.render, total + LATENCY, block):
        out = limiter.process(chunk)
        if drop >= len(out):
            drop -= len(out)
            continue
        yield out[drop:]
        drop = 0


def render_blocks(
    render: Callable[[int], np.ndarray], frames: int, block: int
) -> Iterator[np.ndarray]:
    """``frames`` frames from ``render(n)``, at most ``block`` at a time."""
    for start in range(0, frames, block):
        yield render(min(block, frames - start))


def bounce(render: OfflineRender) -> np.ndarray:
    """The whole bounce as one (n, 2) float32 array (for short renders; ``bounce_blocks``
    streams a long one)."""
    blocks = list(bounce_blocks(render))
    return np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
