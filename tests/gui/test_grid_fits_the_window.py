"""A whole bar of steps shows in the real window at the sizes musicians use.

The pads never shrank (30 px each), so at 1024×640 seven of sixteen steps were visible
and editing a one-bar pattern meant scrolling sideways. Here the app is built as
``python -m desktop_app`` builds it, an empty one-bar pattern is opened, and the pads are
found in the rendered grid by their colour — nothing is computed from the grid's own
geometry — then the sixteenth painted pad is clicked where it is painted.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from desktop_app.domain.pattern import empty_pattern
from desktop_app.ui import theme
from tests.gui.pixels import Blob, grab, mask_of, top_row_blobs
from tests.gui.started_app import pump, started_app

MIN_PAD_WIDTH = 14  # narrower pads would be hard to hit


@pytest.fixture(scope="module")
def app_window(qapp, tmp_path_factory):
    with started_app(tmp_path_factory.mktemp("grid-fit-home"), (1520, 880)) as graph:
        graph.sequencer_state.set_pattern(empty_pattern(16))
        pump(qapp, 0.3)
        yield qapp, graph, graph.window


def first_row_pads(viewport) -> list[Blob]:
    """The pads of the top row as painted in the grid's viewport: the columns of the
    empty-step colours that span most of the row's height, left to right."""
    pixels = grab(viewport)
    pad = mask_of(pixels, theme.STEP_OFF, 3) | mask_of(pixels, theme.STEP_OFF_BEAT, 3)
    return top_row_blobs(pad)


@pytest.mark.parametrize("size", ((1024, 640), (1520, 880)), ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_whole_bar_shows_and_its_last_pad_clicks(app_window, size):
    qapp, graph, window = app_window
    state = graph.sequencer_state
    state.set_pattern(empty_pattern(16))
    window.resize(*size)
    pump(qapp, 0.3)
    assert window.size().toTuple() == size
    scroll = window.sequencer_panel.grid_scroll
    viewport = scroll.viewport()
    assert scroll.horizontalScrollBar().value() == 0

    pads = first_row_pads(viewport)
    assert len(pads) == 16, [(p.left, p.width) for p in pads]
    assert pads[-1].right < viewport.width()  # the last one whole, not cut by the edge
    assert min(p.width for p in pads) >= MIN_PAD_WIDTH
    assert max(p.width for p in pads) - min(p.width for p in pads) <= 1

    grid = window.sequencer_panel.grid
    target = grid.mapFrom(viewport, pads[15].centre)
    QTest.mouseClick(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    pump(qapp, 0.05)
    kick = state.pattern.tracks[0].steps
    assert kick[15] > 0
    assert sum(1 for v in kick if v) == 1
    # and it shows lit where it was clicked
    assert len(first_row_pads(viewport)) == 15
    lit = grab(viewport)[pads[15].centre.y(), pads[15].left : pads[15].right + 1]
    assert not mask_of(lit[None], theme.STEP_OFF, 3).any()
    QTest.mouseClick(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    pump(qapp, 0.05)
    assert state.pattern.tracks[0].steps[15] == 0
    assert QPoint(0, 0) == scroll.widget().pos()
