"""The grid's cells follow the room the panel gives it, and everything else follows the
cells: clicks and drag strokes land on the pad that is painted there, and the ruler's
step ticks sit over the pads. Pads are found by their colour in the rendered panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from desktop_app.domain.pattern import empty_pattern
from desktop_app.ui import theme
from desktop_app.ui.sequencer_panel import SequencerPanel
from tests.gui.pixels import LEFT, NO_MOD, blobs, grab
from tests.gui.shown_panel import shown_panel
from tests.gui.test_grid_fits_the_window import MIN_PAD_WIDTH, first_row_pads


@pytest.fixture
def engine(clock_engine):
    return clock_engine(1.0)


@pytest.fixture
def panel(qtbot, states):
    seq, _rec = states
    seq.set_pattern(empty_pattern(16))
    return shown_panel(qtbot, states, 1100, 480)


def _at_width(qtbot, panel: SequencerPanel, width: int) -> None:
    panel.resize(width, 480)
    qtbot.wait(50)
    QApplication.processEvents()


def _grid_point(panel: SequencerPanel, viewport_point: QPoint) -> QPoint:
    return panel.grid.mapFrom(panel.grid_scroll.viewport(), viewport_point)


# the panel with the grid at full size, a little smaller, and at its smallest cells
@pytest.mark.parametrize("width", (1100, 820, 680, 600))
def test_every_painted_pad_is_the_step_a_click_toggles(qtbot, panel, width):
    _at_width(qtbot, panel, width)
    viewport = panel.grid_scroll.viewport()
    pads = first_row_pads(viewport)
    assert len(pads) == 16
    assert pads[-1].right < viewport.width()
    assert min(p.width for p in pads) >= MIN_PAD_WIDTH
    seq = panel._seq
    for index, pad in enumerate(pads):
        qtbot.mouseClick(panel.grid, LEFT, NO_MOD, _grid_point(panel, pad.centre))
        lit = [i for i, v in enumerate(seq.pattern.tracks[0].steps) if v]
        assert lit == list(range(index + 1)), (index, lit)


@pytest.mark.parametrize("width", (1100, 680))
def test_the_ruler_ticks_sit_over_the_pads(qtbot, panel, width):
    _at_width(qtbot, panel, width)
    viewport = panel.grid_scroll.viewport()
    pads = first_row_pads(viewport)
    shift = viewport.mapTo(panel, QPoint(0, 0)).x() - panel.ruler.mapTo(panel, QPoint(0, 0)).x()
    ruler = grab(panel.ruler)
    # the ticks: small round dots (the beat numbers' glyphs are taller or wider)
    found = blobs(ruler, theme.TEXT_FAINT, tolerance=40)
    dots = [b for b in found if 2 <= b.width <= 4 and 2 <= b.height <= 4 and b.pixels >= 4]
    centres = sorted((b.left + b.right) / 2 - shift for b in dots)
    off_beat = [(p.left + p.right) / 2 for i, p in enumerate(pads) if i % 4]
    assert len(centres) == len(off_beat) == 12
    for dot, pad in zip(centres, off_beat, strict=True):
        assert abs(dot - pad) <= 1.5


def test_a_fast_stroke_over_small_pads_paints_every_one(qtbot, panel):
    _at_width(qtbot, panel, 600)
    viewport = panel.grid_scroll.viewport()
    pads = first_row_pads(viewport)
    assert max(p.width for p in pads) < 20  # small cells: the stroke has to step finely
    grid = panel.grid
    start, end = _grid_point(panel, pads[0].centre), _grid_point(panel, pads[-1].centre)
    qtbot.mousePress(grid, LEFT, NO_MOD, start)
    pos = QPointF(end)
    move = QMouseEvent(QEvent.Type.MouseMove, pos, grid.mapToGlobal(pos), Qt.MouseButton.NoButton,
                       LEFT, NO_MOD)  # fmt: skip
    QApplication.sendEvent(grid, move)  # one sparse move event across the whole bar
    qtbot.mouseRelease(grid, LEFT, NO_MOD, end)
    assert all(panel._seq.pattern.tracks[0].steps)


def test_below_the_smallest_cells_the_grid_scrolls(qtbot, panel):
    _at_width(qtbot, panel, 400)  # (at 480 compact track headers leave room for the bar)
    assert panel.compact
    viewport = panel.grid_scroll.viewport()
    pads = [p for p in first_row_pads(viewport) if p.right < viewport.width() - 1]
    assert 0 < len(pads) < 16
    assert all(p.width >= MIN_PAD_WIDTH for p in pads)
    assert panel.grid_scroll.horizontalScrollBar().maximum() > 0
    assert QRect(QPoint(0, 0), viewport.size()).contains(pads[-1].centre)
