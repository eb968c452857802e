"""A pattern wider than the grid's view: while it plays the view turns the page as the
playhead leaves it, so the step being heard is always in sight (it played off-screen)."""

from __future__ import annotations

import pytest

from desktop_app.ui import theme
from desktop_app.ui.sequencer_panel import SequencerPanel
from tests.gui.pixels import blobs, grab
from tests.gui.shown_panel import shown_panel


@pytest.fixture
def engine(clock_engine):
    return clock_engine(4.0)


@pytest.fixture
def panel(qtbot, states):
    return shown_panel(qtbot, states, 700, 420)


def _playhead_in_sight(panel: SequencerPanel) -> bool:
    """The ruler over the visible steps paints the playing step's marker."""
    return bool(blobs(grab(panel.ruler), theme.PLAYHEAD))


def test_the_view_follows_the_playhead_through_a_long_pattern(qtbot, panel) -> None:
    seq = panel._seq
    seq.set_length(64)
    qtbot.waitUntil(lambda: panel.grid_scroll.horizontalScrollBar().maximum() > 0)
    seq.toggle_playing()
    try:
        seen: set[int] = set()
        for target in (8, 24, 40, 56):
            qtbot.waitUntil(lambda t=target: seq.current_step >= t, timeout=10000)
            seen.add(seq.current_step)
            assert _playhead_in_sight(panel), f"step {seq.current_step} is out of sight"
        assert len(seen) == 4
    finally:
        seq.toggle_playing()
