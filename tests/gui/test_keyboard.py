"""The keyboard in the whole window: which widget has focus decides what Space does (the
selected message's recording, or the sequencer's transport); every control shows that it
has the focus; the step grid is edited with arrows, Enter and +/-."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.ui import theme
from desktop_app.ui.sequencer_grid import WHEEL_STEP
from tests.gui.journeys import click_painted
from tests.gui.pixels import grab, mask_of
from tests.gui.started_app import shown_app


@pytest.fixture
def graph(qtbot, tmp_path: Path):
    with shown_app(qtbot, tmp_path, (1400, 800)) as graph:
        yield graph


def press_space() -> None:
    """Space as a user types it: to whichever widget has the keyboard focus."""
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)


def test_space_plays_the_selected_message_when_the_list_has_focus(qtbot, graph) -> None:
    with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
        graph.start()
    model = graph.threads_state.messages
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10000)
    sequencer, player = graph.sequencer_state, graph.playback.player
    view = graph.window.conversation.messages
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view)
    view.setCurrentIndex(model.index(0, 0))

    press_space()
    qtbot.waitUntil(lambda: player.is_playing, timeout=10000)
    assert player.key == model.message_at(0).id
    assert not sequencer.is_playing
    press_space()  # the same row pauses
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
    assert not sequencer.is_playing

    grid = graph.window.sequencer_panel.grid
    grid.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grid)
    press_space()  # the grid has focus: Space is the transport
    qtbot.waitUntil(lambda: sequencer.is_playing, timeout=3000)
    assert not player.is_playing
    press_space()
    qtbot.waitUntil(lambda: not sequencer.is_playing, timeout=3000)


def changed_pixels(a: QImage, b: QImage) -> int:
    return sum(a.pixel(x, y) != b.pixel(x, y) for y in range(a.height()) for x in range(a.width()))


def test_every_control_reached_by_tab_shows_that_it_has_the_focus(qtbot, graph) -> None:
    """Tab through the whole window; each control, once focused, must look different from
    the same control without the focus — by a ring all round it, not a blinking caret."""
    window = graph.window
    window.sequencer_panel.transport.setFocus(Qt.FocusReason.OtherFocusReason)
    seen: list[QWidget] = []
    invisible: list[str] = []
    for _ in range(200):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget in seen:
            break
        seen.append(widget)
        visible = widget.visibleRegion().boundingRect()
        area = QRect(widget.mapTo(window, visible.topLeft()), visible.size()).adjusted(-3, -3, 3, 3)
        focused = window.grab(area).toImage()
        widget.clearFocus()
        QApplication.processEvents()
        unfocused = window.grab(area).toImage()
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        QApplication.processEvents()
        needed = min(2 * (visible.width() + visible.height()), 200)
        if changed_pixels(focused, unfocused) < needed:
            invisible.append(f"{type(widget).__name__}#{widget.objectName()}")
    assert invisible == []
    assert len(seen) > 10
    assert window.sequencer_panel.grid in seen  # the grid is reachable from the keyboard


def test_the_grid_is_played_from_the_keyboard_and_undo_restores(qtbot, graph) -> None:
    window = graph.window
    state = graph.sequencer_state
    grid = window.sequencer_panel.grid
    state.clear_all()
    before = state.snapshot()
    window.sequencer_panel.transport.setFocus(Qt.FocusReason.OtherFocusReason)
    for _ in range(100):  # reach it as a user does
        if QApplication.focusWidget() is grid:
            break
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is grid
    unfocused_grid = grid.grab().toImage()

    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Down):
        QTest.keyClick(grid, key)
    assert grid.cursor_cell == (1, 2)
    QTest.keyClick(grid, Qt.Key.Key_Return)
    assert state.pattern.tracks[1].steps[2] == grid.paint_velocity
    lit = state.pattern.tracks[1].steps[2]
    for _ in range(3):
        QTest.keyClick(grid, Qt.Key.Key_Plus)
    QTest.keyClick(grid, Qt.Key.Key_Minus)
    assert state.pattern.tracks[1].steps[2] == lit + 2 * WHEEL_STEP
    assert changed_pixels(grid.grab().toImage(), unfocused_grid) > 0

    window.undo_action.trigger()  # the velocity presses were one step
    assert state.pattern.tracks[1].steps[2] == lit
    window.undo_action.trigger()
    assert state.snapshot() == before
    window.redo_action.trigger()
    assert state.pattern.tracks[1].steps[2] == lit

    QTest.keyClick(grid, Qt.Key.Key_Return)  # Enter on a lit step switches it off
    assert state.pattern.tracks[1].steps[2] == 0
    QTest.keyClick(grid, Qt.Key.Key_Up)
    QTest.keyClick(grid, Qt.Key.Key_Up)  # stops at the first track
    QTest.keyClick(grid, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert grid.cursor_cell == (0, 0)


def test_the_grid_cursor_shows_for_the_keyboard_not_after_a_click(qtbot, graph) -> None:
    grid = graph.window.sequencer_panel.grid
    cell = grid.cell_rect(2, 5).center()
    QTest.mouseClick(grid, Qt.MouseButton.LeftButton, pos=cell)
    assert QApplication.focusWidget() is grid
    after_click = grid.grab().toImage()
    grid.clearFocus()
    assert grid.grab().toImage() == after_click  # no ring left on the clicked pad
    grid.setFocus(Qt.FocusReason.MouseFocusReason)
    QTest.keyClick(grid, Qt.Key.Key_Right)
    assert grid.cursor_cell == (2, 6)  # the keyboard goes on from the clicked cell
    assert changed_pixels(grid.grab().toImage(), after_click) > 0


def test_undo_after_typing_a_tempo_undoes_it_while_the_field_keeps_focus(qtbot, graph) -> None:
    """Type a tempo, press Enter, press Ctrl+Z: the tempo comes back, as the Undo button
    would do. While digits are still being typed, Ctrl+Z stays the field's own."""
    sequencer = graph.sequencer_state
    before = sequencer.pattern.bpm
    bpm = graph.window.sequencer_panel.pattern_controls.bpm
    bpm.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bpm)
    bpm.selectAll()
    QTest.keyClicks(QApplication.focusWidget(), "140")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert sequencer.pattern.bpm == 140.0
    assert QApplication.focusWidget() is bpm  # Enter leaves the focus there

    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sequencer.pattern.bpm == before
    assert bpm.value() == before

    # Mid-typing, Ctrl+Z undoes the typing and leaves the pattern alone.
    bpm.selectAll()
    QTest.keyClicks(QApplication.focusWidget(), "9")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sequencer.pattern.bpm == before
    assert sequencer.undo_stack.canRedo()  # the redo of 140 is still there: nothing was undone
    assert bpm.text() == f"{before:.1f}"


def _bpm_digits(graph) -> QPoint:
    """The middle of the tempo's digits, painted in the bright accent in the toolbar."""
    controls = graph.window.sequencer_panel.pattern_controls
    ys, xs = np.nonzero(mask_of(grab(controls), theme.ACCENT_BRIGHT))
    assert len(xs) > 20, "no tempo digits painted"
    return QPoint((int(xs.min()) + int(xs.max())) // 2, (int(ys.min()) + int(ys.max())) // 2)


def test_space_after_entering_a_tempo_plays_and_keeps_the_number(qtbot, graph) -> None:
    """Click BPM, type 118, Enter, Space: it played nothing and blanked the field (a space
    typed into a number). Space is the transport, also from a number field."""
    sequencer = graph.sequencer_state
    controls = graph.window.sequencer_panel.pattern_controls
    click_painted(qtbot, controls, _bpm_digits(graph))
    bpm = controls.bpm
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bpm)
    QTest.keyClick(bpm, Qt.Key.Key_End)
    for _ in range(6):
        QTest.keyClick(bpm, Qt.Key.Key_Backspace)
    QTest.keyClicks(bpm, "118")
    QTest.keyClick(bpm, Qt.Key.Key_Return)
    assert sequencer.pattern.bpm == 118.0

    press_space()
    qtbot.waitUntil(lambda: sequencer.is_playing, timeout=3000)
    assert bpm.text() == "118.0" and QApplication.focusWidget() is bpm
    press_space()  # and stops, the field still focused
    qtbot.waitUntil(lambda: not sequencer.is_playing, timeout=3000)
    assert bpm.text() == "118.0"

    QTest.keyClick(bpm, Qt.Key.Key_End)
    for _ in range(6):
        QTest.keyClick(bpm, Qt.Key.Key_Backspace)
    QTest.keyClicks(bpm, "96")  # typed, not entered: Space takes it and plays
    press_space()
    qtbot.waitUntil(lambda: sequencer.is_playing, timeout=3000)
    assert sequencer.pattern.bpm == 96.0 and bpm.text() == "96.0"
    press_space()
    qtbot.waitUntil(lambda: not sequencer.is_playing, timeout=3000)


def test_space_types_a_space_in_the_message_box(qtbot, graph) -> None:
    box = graph.window.conversation.text_box
    box.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    QTest.keyClicks(box, "two")
    press_space()
    QTest.keyClicks(box, "words")
    assert box.toPlainText() == "two words"
    assert not graph.sequencer_state.is_playing


def test_the_transport_clock_counts_while_playing(qtbot, graph) -> None:
    """The clock stayed at 0:00.0 during plain playback and counted only while recording."""
    transport = graph.window.sequencer_panel.transport
    grid = graph.window.sequencer_panel.grid
    grid.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grid)
    still = transport.clock.grab().toImage()
    assert transport.clock.text() == "0:00.0"
    press_space()
    qtbot.waitUntil(lambda: graph.sequencer_state.is_playing, timeout=3000)

    def seconds() -> float:
        minutes, _, rest = transport.clock.text().rpartition(" · ")[2].partition(":")
        return int(minutes) * 60 + float(rest)

    qtbot.waitUntil(lambda: seconds() >= 1.0, timeout=5000)  # 122 BPM: beat 3 of bar 1
    bars, _, _ = transport.clock.text().partition(" · ")
    assert bars in {"1.2", "1.3", "1.4", "2.1"}, transport.clock.text()
    assert transport.clock.grab().toImage() != still  # painted, not only set
    press_space()
    qtbot.waitUntil(lambda: transport.clock.text() == "0:00.0", timeout=3000)


def test_the_window_starts_in_the_grid_with_no_ring_until_the_keyboard_is_used(
    qtbot, graph
) -> None:
    """The first focus went to the first button (Qt's pick), which wore the focus ring
    from the start although nobody had touched the keyboard. It starts in the step grid,
    showing nothing; a key shows where the focus is, and Tab goes on from there."""
    window = graph.window
    grid = window.sequencer_panel.grid
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grid)
    QApplication.processEvents()
    at_start = grab(window)
    grid.clearFocus()
    QApplication.processEvents()
    assert (grab(window) == at_start).all()  # no ring, no cursor cell: nothing to take away

    grid.setFocus(Qt.FocusReason.ActiveWindowFocusReason)  # as the window gives it back
    QApplication.processEvents()
    assert (grab(window) == at_start).all()
    QTest.keyClick(grid, Qt.Key.Key_Right)  # the keyboard: cursor cell and ring show
    assert grid.cursor_cell == (0, 1)
    QApplication.processEvents()
    ring = graph.window.focus_rings.ring
    assert ring is not None and ring.isVisible() and ring.widget() is grid

    QTest.keyClick(grid, Qt.Key.Key_Tab)
    after_grid = QApplication.focusWidget()
    assert after_grid is not grid and window.isAncestorOf(after_grid)
    assert ring.widget() is after_grid and ring.isVisible(), type(after_grid).__name__
    QTest.keyClick(after_grid, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is grid  # Shift+Tab comes back
