"""Editing the grid with the mouse, as a musician does: click, paint, erase, wheel, drag."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication

from desktop_app.domain.pattern import demo_pattern, empty_pattern
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.sequencer_grid import SequencerGrid
from tests.gui.pixels import LEFT, NO_MOD

RIGHT = Qt.MouseButton.RightButton


@pytest.fixture
def state(qtbot):
    return SequencerState(None, pattern=demo_pattern())


@pytest.fixture
def grid(qtbot, state):
    widget = SequencerGrid(state)
    qtbot.addWidget(widget)
    widget.resize(widget.sizeHint())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def centre(grid: SequencerGrid, track: int, step: int) -> QPoint:
    return grid.cell_rect(track, step).center()


def steps(state: SequencerState, track: int) -> list[int]:
    return list(state.pattern.tracks[track].steps)


def drag(qtbot, grid, cells, button=LEFT, modifier=NO_MOD) -> None:
    first, *rest = cells
    qtbot.mousePress(grid, button, modifier, centre(grid, *first))
    for cell in rest:
        qtbot.mouseMove(grid, centre(grid, *cell))
    qtbot.mouseRelease(grid, button, modifier, centre(grid, *cells[-1]))


def wheel(grid: SequencerGrid, pos: QPoint, notches: float, modifiers=NO_MOD) -> bool:
    event = QWheelEvent(
        QPointF(pos),
        QPointF(grid.mapToGlobal(pos)),
        QPoint(0, 0),
        QPoint(0, int(120 * notches)),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(grid, event)
    return event.isAccepted()


def test_cell_geometry_round_trips(grid, state):
    for track in range(len(state.pattern.tracks)):
        for step in range(state.pattern.length):
            assert grid.cell_at(centre(grid, track, step)) == (track, step)
    assert grid.cell_at(QPoint(1, 1)) is None


def test_click_toggles_a_step(qtbot, grid, state):
    assert steps(state, 0)[1] == 0
    qtbot.mouseClick(grid, LEFT, pos=centre(grid, 0, 1))
    assert steps(state, 0)[1] == 100
    qtbot.mouseClick(grid, LEFT, pos=centre(grid, 0, 1))
    assert steps(state, 0)[1] == 0
    assert state.undo_stack.count() == 2
    state.undo_stack.undo()
    assert steps(state, 0)[1] == 100


def test_drag_from_an_empty_cell_paints_and_is_one_undo_step(qtbot, grid, state):
    before = state.snapshot()
    drag(qtbot, grid, [(1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (1, 5)])
    # empty cells were lit; the snare already on step 4 keeps its velocity
    assert steps(state, 1)[:6] == [100, 100, 100, 100, 96, 100]
    assert state.undo_stack.count() == 1
    assert state.undo_stack.undoText() == "Paint steps"
    state.undo_stack.undo()
    assert state.snapshot() == before
    state.undo_stack.redo()
    assert steps(state, 1)[:6] == [100, 100, 100, 100, 96, 100]


def test_drag_from_a_lit_cell_erases(qtbot, grid, state):
    drag(qtbot, grid, [(3, 0), (3, 1), (3, 2), (3, 3), (3, 4)])
    assert steps(state, 3)[:5] == [0, 0, 0, 0, 0]
    assert steps(state, 3)[5] == 50  # untouched beyond the stroke
    assert state.undo_stack.count() == 1
    state.undo_stack.undo()
    assert steps(state, 3)[:5] == [80, 50, 80, 50, 80]


def test_fast_diagonal_stroke_leaves_no_gaps(qtbot, grid, state):
    state.set_pattern(empty_pattern())
    # one big jump from the first to the eighth column: every cell in between is painted
    qtbot.mousePress(grid, LEFT, NO_MOD, centre(grid, 2, 0))
    qtbot.mouseMove(grid, centre(grid, 2, 7))
    qtbot.mouseRelease(grid, LEFT, NO_MOD, centre(grid, 2, 7))
    assert steps(state, 2)[:8] == [100] * 8
    assert state.undo_stack.count() == 1


def test_wheel_changes_velocity_and_merges(qtbot, grid, state):
    assert steps(state, 0)[0] == 112
    assert wheel(grid, centre(grid, 0, 0), 1)
    assert steps(state, 0)[0] == 120
    assert wheel(grid, centre(grid, 0, 0), 1)
    assert steps(state, 0)[0] == 127  # clamped
    assert wheel(grid, centre(grid, 0, 0), -3)
    assert steps(state, 0)[0] == 103
    assert state.undo_stack.count() == 1  # quick notches on one cell: one undo step
    assert wheel(grid, centre(grid, 0, 0), -1, Qt.KeyboardModifier.ShiftModifier)
    assert steps(state, 0)[0] == 102  # Shift: fine
    state.undo_stack.undo()
    assert steps(state, 0)[0] == 112


def test_wheel_over_an_empty_step_is_left_to_the_scroll_area(grid, state):
    assert not wheel(grid, centre(grid, 0, 1), 1)
    assert steps(state, 0)[1] == 0
    assert state.undo_stack.count() == 0


def test_wheel_never_turns_a_step_off(grid, state):
    for _ in range(20):
        wheel(grid, centre(grid, 0, 0), -1)
    assert steps(state, 0)[0] == 1


@pytest.mark.parametrize(
    ("button", "modifier"),
    [(RIGHT, NO_MOD), (LEFT, Qt.KeyboardModifier.AltModifier)],
)
def test_vertical_drag_changes_velocity(qtbot, grid, state, button, modifier):
    start = centre(grid, 1, 4)  # snare, velocity 96
    qtbot.mousePress(grid, button, modifier, start)
    qtbot.mouseMove(grid, start - QPoint(0, 15))
    qtbot.mouseMove(grid, start - QPoint(0, 30))  # 1.5 px per velocity step: +20
    qtbot.mouseRelease(grid, button, modifier, start - QPoint(0, 30))
    assert steps(state, 1)[4] == 116
    assert steps(state, 1)[3] == 0  # the stroke never paints neighbours
    assert state.undo_stack.count() == 1
    assert state.undo_stack.undoText() == "Change velocity"
    state.undo_stack.undo()
    assert steps(state, 1)[4] == 96


def test_velocity_shows_as_shade(grid, state):
    state.set_step(0, 0, 127)
    state.set_step(0, 4, 20)
    image = grid.grab().toImage()
    loud = QColor(image.pixel(centre(grid, 0, 0)))
    soft = QColor(image.pixel(centre(grid, 0, 4)))
    off = QColor(image.pixel(centre(grid, 0, 1)))
    assert loud.lightness() > soft.lightness() > off.lightness()
    assert loud.hue() == pytest.approx(QColor(theme.ACCENT).hue(), abs=12)


def test_current_step_column_is_highlighted(grid, state):
    def column_colour(step: int) -> QColor:
        # the gap just above a cell, inside the column highlight, away from the cell
        rect = grid.cell_rect(0, step)
        return QColor(grid.grab().toImage().pixel(rect.center().x(), rect.top() - 1))

    plain = column_colour(6)
    state.currentStepChanged.emit(6)
    lit = column_colour(6)
    assert lit != plain
    assert lit.green() > plain.green()  # the playhead teal
    state.currentStepChanged.emit(-1)
    assert column_colour(6) == plain


def test_grid_grows_with_length_and_tracks(grid, state):
    narrow = grid.sizeHint()
    state.set_length(64)
    state.add_track("rim")
    wide = grid.sizeHint()
    assert wide.width() > 3.5 * narrow.width()
    assert wide.height() > narrow.height()
    assert grid.cell_at(centre(grid, 8, 63)) == (8, 63)
