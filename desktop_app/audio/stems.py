"""Stems: the bounce split by track, for mixing the pattern in a DAW.

A stem is what one pattern track contributes to the bounce: the same passes, the same
pre-roll (so tails of the last pass ring into the first and every stem loops as the mix
does), the same chokes (a closed hat on one track still cuts the open hat on another),
rendered in the same pass by ``Sequencer.render_tracks``. All stems have exactly
``bounce_frames`` frames and start on step 0 at frame 0, so dropped on a DAW's timeline
at the same position they line up with each other and with the mix.

**The master limiter is left out of stems.** It acts on the sum of all tracks, so there is
no share of it that belongs to one track; a DAW user mixes stems under their own master
bus. Stems are therefore the mix as it *enters* the limiter, split by track: summed, they
equal it (to float rounding), and where the limiter does not act (below its threshold,
``limiter.THRESHOLD``) they sum to the exported mix itself. They are written as 32-bit
float WAV, so a peak above full scale that the limiter would have turned down is kept,
not clipped.

Tracks that do not sound in the mix (muted, or not soloed while another track is) get no
stem: the stems are what you hear, split.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from desktop_app.audio.bounce import BLOCK, OfflineRender, pre_roll_frames, render_blocks
from desktop_app.audio.sequencer import Sequencer
from desktop_app.domain.pattern import Pattern


def stem_tracks(pattern: Pattern) -> list[int]:
    """The indices of the tracks that get a stem: those heard in the mix."""
    return [i for i in range(len(pattern.tracks)) if pattern.audible(i)]


def stem_blocks(render: OfflineRender, block: int = BLOCK) -> Iterator[np.ndarray]:
    """The stems as (len(stem_tracks), m, 2) float32 blocks, ``render.frames`` frames in
    all, in the order of ``stem_tracks``. Raises ``KitError`` at once when a track's sound
    is missing, ``ValueError`` for a loop count outside 1-MAX_LOOPS."""
    total = render.frames
    pattern = render.pattern
    return _stream(render.sequencer(), pattern, stem_tracks(pattern), total, block)


def _stream(
    seq: Sequencer, pattern: Pattern, keep: list[int], total: int, block: int
) -> Iterator[np.ndarray]:
    tracks = len(pattern.tracks)

    def render(frames: int) -> np.ndarray:
        return seq.render_tracks(frames, tracks)

    pre = pre_roll_frames(seq, pattern)
    seq.reset(-pre)  # the pre-roll, exactly as bounce.py plays it
    for _chunk in render_blocks(render, pre, block):
        pass
    seq.anchor_grid()
    for chunk in render_blocks(render, total, block):
        yield chunk[keep]


def stems(render: OfflineRender) -> np.ndarray:
    """All stems at once, (len(stem_tracks), n, 2) float32 (for short renders and tests)."""
    blocks = list(stem_blocks(render))
    if not blocks:
        return np.zeros((len(stem_tracks(render.pattern)), 0, 2), np.float32)
    return np.concatenate(blocks, axis=1)
