"""The Edit menu's step commands in the real window: a track's steps copied and pasted
with the keys after clicking its row in the painted grid, checked in the painted pads and
undone with Ctrl+Z; Clear pattern and Double pattern length chosen in the real menu bar;
Paste disabled while the clipboard holds no steps; and the same keys in the message box
and a track's name field still copying and pasting text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from desktop_app.domain.pattern import Pattern, empty_pattern
from desktop_app.domain.step_edits import CLIP_MIME
from desktop_app.ui import theme
from tests.gui.journeys import click_painted
from tests.gui.pixels import blobs, grab, runs
from tests.gui.started_app import shown_app
from tests.gui.window_parts import Parts

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def graph(qtbot, tmp_path: Path):
    with shown_app(qtbot, tmp_path, (1400, 800)) as graph:
        grid = graph.window.sequencer_panel.grid
        qtbot.waitUntil(lambda: grid.isVisible() and grid.width() > 100)
        QGuiApplication.clipboard().clear()
        yield graph


def painted_pads(grid: QWidget) -> list[list[QPoint]]:
    """Where the pads are painted, row by row, left to right: a point inside each pad
    near its top edge (clear of a velocity number written in its middle). Pads are the
    only things in the grid brighter than its two background shades. Read while the
    keyboard cursor is hidden: its ring would join the rows."""
    pad = grab(grid).max(axis=2) >= 38
    rows = []
    band = [int(y) for y in np.nonzero(pad.any(axis=1))[0]]
    tops = [y for i, y in enumerate(band) if i == 0 or band[i - 1] != y - 1]
    bottoms = [y for i, y in enumerate(band) if i == len(band) - 1 or band[i + 1] != y + 1]
    for top, bottom in zip(tops, bottoms, strict=True):
        middle, probe = (top + bottom) // 2, top + (bottom - top) // 5
        rows.append([QPoint((left + right) // 2, probe) for left, right in runs(pad[middle])])
    return rows


def lit_pattern(grid: QWidget, pads: list[list[QPoint]] | None = None) -> list[list[bool]]:
    """Which pads are painted lit (warm; an empty pad is grey), at ``pads`` (read now
    if not given)."""
    pixels = grab(grid).astype(int)
    rows = painted_pads(grid) if pads is None else pads
    return [[_warm(pixels[p.y(), p.x()]) for p in row] for row in rows]


def _warm(rgb: np.ndarray) -> bool:
    r, _, b = (int(v) for v in rgb)
    return r >= 120 and r > b + 40


def click_pad(grid: QWidget, row: int, column: int) -> None:
    pad = painted_pads(grid)[row][column]
    QTest.mouseClick(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pad)
    QApplication.processEvents()


def press(keys: Qt.Key, modifiers=CTRL) -> None:
    """Keys as a user types them: to whichever widget has the focus."""
    QTest.keyClick(QApplication.focusWidget(), keys, modifiers)
    QApplication.processEvents()


def test_copy_a_row_paste_it_on_another_and_undo_from_the_keyboard(qtbot, graph) -> None:
    grid = graph.window.sequencer_panel.grid
    state = graph.sequencer_state
    start = lit_pattern(grid)
    assert len(start) == len(state.pattern.tracks) and len(start[0]) == state.pattern.length
    # The busiest row is the source, the quietest another row to paste on.
    busiest = max(range(len(start)), key=lambda r: sum(start[r]))
    quietest = min(range(len(start)), key=lambda r: sum(start[r]))
    assert start[busiest] != start[quietest]
    velocities = list(state.pattern.tracks[busiest].steps)

    off = start[busiest].index(False)
    click_pad(grid, busiest, off)  # the click also lights the pad, as a click does
    assert QApplication.focusWidget() is grid
    source = lit_pattern(grid)[busiest]
    assert source[off] and source != start[busiest]
    press(Qt.Key.Key_C)
    data = QGuiApplication.clipboard().mimeData()
    assert data.hasFormat(CLIP_MIME)
    expected = [*velocities[:off], grid.paint_velocity, *velocities[off + 1 :]]
    assert data.text() == "".join("X" if v >= 110 else "x" if v else "." for v in expected)
    assert "Copied" in graph.window.statusBar().currentMessage()

    click_pad(grid, quietest, 0)
    before_paste = lit_pattern(grid)
    press(Qt.Key.Key_V)
    after = lit_pattern(grid)
    assert after[quietest] == source  # the painted pads of the pasted row
    assert [r for i, r in enumerate(after) if i != quietest] == [
        r for i, r in enumerate(before_paste) if i != quietest
    ]
    assert state.pattern.tracks[quietest].steps == expected  # the velocities travelled too

    press(Qt.Key.Key_Z)
    assert lit_pattern(grid) == before_paste

    press(Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier)  # Clear steps of the row
    assert not any(lit_pattern(grid)[quietest])
    press(Qt.Key.Key_Z)
    assert lit_pattern(grid) == before_paste


def test_cut_clears_the_row_and_pastes_onto_a_shorter_pattern_cut_to_fit(qtbot, graph) -> None:
    grid = graph.window.sequencer_panel.grid
    state = graph.sequencer_state
    state.set_length(8)
    state.undo_stack.clear()
    hats = list(state.pattern.tracks[3].steps)
    click_pad(grid, 3, 0)  # the hats' first pad: lit, the click switches it off
    press(Qt.Key.Key_X)
    assert not any(lit_pattern(grid)[3])
    state.set_length(4)  # a shorter pattern: the 8 copied steps are cut at 4
    click_pad(grid, 0, 3)
    press(Qt.Key.Key_V)
    assert state.pattern.tracks[0].steps == [0, *hats[1:4]]
    assert lit_pattern(grid)[0] == [False, *[bool(v) for v in hats[1:4]]]
    assert "do not fit" in graph.window.statusBar().currentMessage()


def open_edit_menu(qtbot, window) -> QMenu:
    """Click "Edit" where the menu bar paints it; the open menu."""
    bar = window.menuBar()
    edit = next(a for a in bar.actions() if a.text().replace("&", "") == "Edit")
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(edit).center())
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    return menu


def item(menu: QMenu, text: str):
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def choose(qtbot, menu: QMenu, text: str) -> None:
    action = item(menu, text)
    assert action.isEnabled(), text
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    back_to_the_window(qtbot, menu)


def close_menu(qtbot, menu: QMenu) -> None:
    menu.close()
    back_to_the_window(qtbot, menu)


def back_to_the_window(qtbot, menu: QMenu) -> None:
    """The menu closed; the window active again (the offscreen platform leaves no window
    active after a popup, so clicks would give no focus)."""
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)
    window = menu.parentWidget().window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QApplication.processEvents()


def test_double_and_clear_pattern_from_the_menu_bar(qtbot, graph) -> None:
    window = graph.window
    grid = window.sequencer_panel.grid
    state = graph.sequencer_state
    start = lit_pattern(grid)

    menu = open_edit_menu(qtbot, window)
    assert not item(menu, "Paste steps").isEnabled()  # nothing copied yet
    assert item(menu, "Copy steps of").isEnabled()
    choose(qtbot, menu, "Double pattern length")
    assert state.pattern.length == 2 * len(start[0])
    doubled = lit_pattern(grid)
    assert [row[: len(start[0])] for row in doubled] == start
    assert [row[len(start[0]) :] for row in doubled] == start  # the added half repeats

    choose(qtbot, open_edit_menu(qtbot, window), "Clear pattern")
    assert lit_pattern(grid) != doubled
    assert not any(any(row) for row in lit_pattern(grid))
    assert [t.name for t in state.pattern.tracks][:2] == ["Kick", "Snare"]  # tracks kept
    menu = open_edit_menu(qtbot, window)
    assert not item(menu, "Clear pattern").isEnabled()  # nothing left to clear
    assert not item(menu, "Cut steps").isEnabled()
    close_menu(qtbot, menu)

    window.undo_action.trigger()
    assert lit_pattern(grid) == doubled
    window.undo_action.trigger()
    assert lit_pattern(grid) == start


def test_paste_follows_what_the_clipboard_holds(qtbot, graph) -> None:
    """Text that is a row of steps (from a chat, another program) can be pasted; other
    text cannot, and Paste says so by being disabled."""
    window = graph.window
    grid = window.sequencer_panel.grid
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("hello")
    QApplication.processEvents()
    menu = open_edit_menu(qtbot, window)
    assert not item(menu, "Paste steps").isEnabled()
    close_menu(qtbot, menu)
    clipboard.setText("x... ..x.")
    qtbot.waitUntil(lambda: window.edit.paste_action.isEnabled())
    click_pad(grid, 7, 1)
    press(Qt.Key.Key_V)
    assert lit_pattern(grid)[7] == [True, False, False, False, False, False, True, False] * 2


def test_the_keys_copy_and_paste_text_in_text_fields(qtbot, graph) -> None:
    window = graph.window
    state = graph.sequencer_state
    grid = window.sequencer_panel.grid
    click_pad(grid, 0, 1)
    press(Qt.Key.Key_C)  # steps on the clipboard
    steps_text = QGuiApplication.clipboard().text()
    undo_steps = state.undo_stack.count()
    before = state.snapshot()
    steps = [t.steps for t in state.pattern.tracks]

    box = window.conversation.text_box
    box.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    press(Qt.Key.Key_V)  # the clipboard's text, pasted as text
    assert box.toPlainText() == steps_text
    QTest.keyClicks(box, " and words")
    press(Qt.Key.Key_A)
    press(Qt.Key.Key_C)
    assert QGuiApplication.clipboard().text() == f"{steps_text} and words"
    press(Qt.Key.Key_X)
    assert box.toPlainText() == ""
    assert state.snapshot() == before and state.undo_stack.count() == undo_steps

    name = window.sequencer_panel.headers.headers[2].name_edit
    name.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is name)
    press(Qt.Key.Key_F2, Qt.KeyboardModifier.NoModifier)  # edit the name
    press(Qt.Key.Key_A)
    press(Qt.Key.Key_C)
    assert QGuiApplication.clipboard().text() == "Clap"
    press(Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier)
    press(Qt.Key.Key_V)
    assert name.text() == "ClapClap"
    assert state.snapshot() == before  # no steps pasted anywhere

    # Chosen from the menu, Copy and Paste serve the text field that has the focus too.
    box.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    QTest.keyClicks(box, "four on the floor")
    press(Qt.Key.Key_A)
    menu = open_edit_menu(qtbot, window)
    assert [item(menu, t).text() for t in ("Copy", "Cut", "Paste")] == ["&Copy", "Cu&t", "&Paste"]
    choose(qtbot, menu, "Copy")
    assert QGuiApplication.clipboard().text() == "four on the floor"
    box.moveCursor(box.textCursor().MoveOperation.End)
    choose(qtbot, open_edit_menu(qtbot, window), "Paste")
    assert box.toPlainText() == "four on the floorfour on the floor"
    assert [t.steps for t in state.pattern.tracks] == steps  # only the rename was an edit
    assert state.undo_stack.undoText() == "Rename Clap to ClapClap"


def test_steps_copied_in_one_window_paste_in_another(qtbot, tmp_path: Path) -> None:
    """Two windows (two instances of the app) share the system clipboard: the steps
    copied in one, velocities and all, paste in the other, cut to its shorter pattern."""
    first, second = Parts(tmp_path / "a"), Parts(tmp_path / "b")
    one, two = first.window(qtbot), second.window(qtbot)
    second.sequencer.set_pattern(empty_pattern(8))
    hats = first.sequencer.pattern.tracks[3].steps
    one.sequencer_panel.grid.set_cursor_cell(3, 0)
    one.edit.copy_action.trigger()
    qtbot.waitUntil(two.edit.paste_action.isEnabled)
    two.sequencer_panel.grid.set_cursor_cell(5, 0)
    two.edit.paste_action.trigger()
    assert second.sequencer.pattern.tracks[5].steps == hats[:8]
    assert {80, 50} <= set(hats[:8])  # both velocities of the hats arrived


def header_rows(panel) -> list[QPoint]:
    """A point on each track header's name area, top to bottom: right of the accent
    stripe painted down the header's left edge."""
    pixels = grab(panel.header_view)
    stripes = [
        b for b in blobs(pixels, theme.ACCENT, tolerance=10) if b.width <= 4 and b.height >= 16
    ]
    return [QPoint(b.right + 40, b.centre.y()) for b in sorted(stripes, key=lambda b: b.top)]


def test_a_click_on_a_track_header_picks_the_row_without_changing_a_step(qtbot, graph) -> None:
    panel = graph.window.sequencer_panel
    grid, state = panel.grid, graph.sequencer_state
    rows = header_rows(panel)
    assert len(rows) == len(state.pattern.tracks)
    pads = painted_pads(grid)  # before the row's cursor shows
    start = lit_pattern(grid, pads)
    click_painted(qtbot, panel.header_view, rows[3])  # Closed hat
    assert QApplication.focusWidget() is grid and grid.cursor_cell[0] == 3
    press(Qt.Key.Key_C)
    assert lit_pattern(grid, pads) == start  # picking the row changed nothing
    click_painted(qtbot, panel.header_view, rows[6])  # High tom
    press(Qt.Key.Key_V)
    assert lit_pattern(grid, pads)[6] == start[3]
    assert "High tom" in graph.window.statusBar().currentMessage()
    assert state.undo_stack.count() == 1


def test_with_no_tracks_only_double_can_act(qtbot, tmp_path: Path) -> None:
    parts = Parts(tmp_path)
    window = parts.window(qtbot)
    parts.sequencer.set_pattern(Pattern(tracks=[]))
    edit = window.edit
    assert [a.isEnabled() for a in edit.step_actions] == [False] * 4
    assert not edit.clear_pattern_action.isEnabled()
    assert edit.double_action.isEnabled()
    edit.paste_action.trigger()  # a stray trigger changes nothing
    assert parts.sequencer.undo_stack.count() == 0


def test_the_tempo_field_keeps_its_text_keys_and_the_menu_serves_it(qtbot, graph) -> None:
    window = graph.window
    bpm = window.sequencer_panel.pattern_controls.bpm
    bpm.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bpm)
    bpm.selectAll()
    press(Qt.Key.Key_C)
    assert QGuiApplication.clipboard().text() == "122.0"
    QGuiApplication.clipboard().setText("x")
    bpm.selectAll()
    menu = open_edit_menu(qtbot, window)
    choose(qtbot, menu, "Copy")
    assert QGuiApplication.clipboard().text() == "122.0"
    assert graph.sequencer_state.undo_stack.count() == 0


def test_the_step_keys_belong_to_the_grid_not_the_message_list(qtbot, graph) -> None:
    """Delete in the message list deletes one's own message (``message_actions``), so
    neither it nor Ctrl+V may reach the steps from there."""
    window = graph.window
    grid = window.sequencer_panel.grid
    click_pad(grid, 0, 1)
    press(Qt.Key.Key_C)
    steps = [list(t.steps) for t in graph.sequencer_state.pattern.tracks]
    view = window.conversation.messages
    view.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view)
    press(Qt.Key.Key_V)
    press(Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier)
    assert [t.steps for t in graph.sequencer_state.pattern.tracks] == steps
