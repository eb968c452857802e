"""The thread list widget against a real ThreadsState and the real server."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt, QThreadPool
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from desktop_app.services.tasks import TaskRunner
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui import theme
from desktop_app.ui.thread_list import ThreadListWidget
from tests.gui.pixels import grab, mask_of, runs

TIMEOUT = 5000


@pytest.fixture
def state(qtbot, api):
    tasks = TaskRunner(QThreadPool())
    s = ThreadsState(api, tasks, "ana")
    yield s
    tasks.wait(5000)
    qtbot.waitUntil(lambda: tasks.in_flight == 0, timeout=TIMEOUT)


def make(qtbot, state):
    w = ThreadListWidget(state)
    qtbot.addWidget(w)
    w.resize(260, 400)
    w.show()
    return w


def test_create_selects_and_opens(qtbot, state, api, modals):
    api.create_thread("Existing")
    modals.type_text("Drums", None)  # the real name prompt: typed into, then cancelled
    w = make(qtbot, state)
    state.start()
    qtbot.waitUntil(lambda: w.list.count() == 1, timeout=TIMEOUT)

    qtbot.mouseClick(w.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.list.count() == 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: state.current_thread is not None, timeout=TIMEOUT)
    assert state.current_thread.name == "Drums"
    assert w.list.currentItem().text() == "Drums"
    assert w.list.item(0).text() == "Drums"  # newest activity first

    w.ask_create()  # cancelled: nothing happens
    assert [(p.title, p.initial, p.clicked) for p in modals.prompts] == [
        ("New thread", "", "OK"),
        ("New thread", "", "Cancel"),
    ]
    assert w.list.count() == 2


def test_select_opens_and_double_click_renames(qtbot, state, api, modals):
    a = api.create_thread("Alpha")
    api.create_thread("Beta")
    modals.type_text("Alpha remix")
    w = make(qtbot, state)
    state.start()
    qtbot.waitUntil(lambda: w.list.count() == 2, timeout=TIMEOUT)

    row = w.thread_ids().index(a.id)
    w.list.setCurrentRow(row)
    assert state.current_thread_id == a.id

    item = w.list.item(row)
    rect = w.list.visualItemRect(item)
    qtbot.mouseClick(w.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(w.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [(p.title, p.initial) for p in modals.prompts] == [("Rename thread", "Alpha")]
    qtbot.waitUntil(lambda: state.thread_by_id(a.id).name == "Alpha remix", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "Alpha remix" in [w.list.item(i).text() for i in range(2)])
    assert w.list.currentItem().data(Qt.ItemDataRole.UserRole + 1) == a.id  # kept selected


def test_empty_list_paints_hint(qtbot, state):
    w = make(qtbot, state)
    assert w.list.count() == 0
    w.list.viewport().grab()  # the placeholder paints without errors


def test_a_long_thread_name_ends_in_an_ellipsis_at_760_px(qtbot, state, api):
    """At 760×520 the list is ~105 px wide: "Rehearsal Friday" was cut mid-letter
    ("Rehearsal Frida") when it had no unread pill beside it."""
    api.create_thread("Rehearsal Friday night")
    w = make(qtbot, state)
    w.resize(110, 200)
    state.start()
    qtbot.waitUntil(lambda: w.list.count() == 1, timeout=TIMEOUT)
    w.list.clearSelection()
    w.list.setCurrentRow(-1)
    rect = w.list.visualItemRect(w.list.item(0))
    pixels = grab(w.list.viewport())[rect.top() : rect.bottom() + 1, rect.left() : rect.right()]
    text = mask_of(pixels, theme.TEXT_DIM, tolerance=70)
    rows, columns = np.nonzero(text)
    assert columns.size, "the name is painted"
    top, bottom = rows.min(), rows.max()
    last = text[:, columns.max() - 5 : columns.max() + 1]  # the last glyph: "…" sits low
    lit_rows = np.flatnonzero(last.any(axis=1))
    assert lit_rows.min() > top + (bottom - top) * 0.55, "the name ends in a cut letter"


def _tooltip_at(w: ThreadListWidget, row: int) -> str:
    """The tooltip the list shows when the mouse rests on the row."""
    where = w.list.visualItemRect(w.list.item(row)).center()
    QApplication.sendEvent(w.list.viewport(), QHelpEvent(
        QEvent.Type.ToolTip, where, w.list.viewport().mapToGlobal(where)))  # fmt: skip
    text = QToolTip.text()
    QToolTip.hideText()
    return text


def test_the_tooltip_says_who_sees_a_public_or_private_thread(qtbot, state, api):
    """A public thread's ``users`` is only whoever made it (with the shared token,
    "root"): its tooltip said "With root", as if root alone were in it. It says who sees
    it, as a private thread's does."""
    public = api.create_thread("Jam", ["root"])
    private = api.create_private_thread("Band only", ["ana", "bo"])
    # the shared token's own, without members: only admins see it (as the header says)
    mine = api.create_private_thread("Mine", [])
    w = make(qtbot, state)
    state.start()
    qtbot.waitUntil(lambda: w.list.count() == 3, timeout=TIMEOUT)
    tips = {w.thread_ids()[row]: _tooltip_at(w, row) for row in range(3)}
    assert tips[mine.id].splitlines()[1:3] == [
        "Private: only its members see it",
        "No members — the server's admins see it",
    ]
    assert tips[public.id].splitlines()[:2] == ["Jam", "Public: everyone on this server sees it"]
    assert "root" not in tips[public.id]
    assert tips[private.id].splitlines()[:3] == [
        "Band only",
        "Private: only its members see it",
        "Members: ana, bo",
    ]
    assert tips[private.id].splitlines()[3].startswith("Last activity ")


def _lit_columns(pixels: np.ndarray) -> np.ndarray:
    """Columns holding light grey pixels: the painted name (the pill is orange, its digit
    dark)."""
    rgb = pixels[..., :3].astype(int)
    grey = (rgb.min(axis=2) > 110) & (rgb.max(axis=2) - rgb.min(axis=2) < 40)
    return np.flatnonzero(grey.any(axis=0))


@pytest.mark.parametrize("width", [150, 190, 230, 300, 420])
def test_a_private_thread_name_ends_before_the_unread_pill(qtbot, state, api, width):
    """A private thread's lock pushes its name right: the room for the name left the
    lock out, so at 1280 px "Anna+Ben secre" ran under the pill. At every width of the
    (resizable) list the name ends, in "…" if it must, left of the pill."""
    from desktop_app.domain.draft import draft_with_text

    secret = api.create_private_thread("Anna+Ben secret garden", ["ana", "bo"])
    w = make(qtbot, state)
    w.resize(width, 200)
    state.start()
    qtbot.waitUntil(lambda: w.list.count() == 1, timeout=TIMEOUT)
    for words in ("one", "two"):
        state.message_pushed(api.post_message(draft_with_text(secret.id, "bo", words)))
    qtbot.waitUntil(lambda: state.unread_count(secret.id) == 2, timeout=TIMEOUT)
    w.list.clearSelection()
    w.list.setCurrentRow(-1)
    QApplication.processEvents()
    rect = w.list.visualItemRect(w.list.item(0)).intersected(w.list.viewport().rect())
    pixels = grab(w.list.viewport())[rect.top() + 3 : rect.bottom() - 2, rect.left() : rect.right()]
    pill = np.flatnonzero(mask_of(pixels, theme.ACCENT, 12).sum(axis=0) >= 6)
    pill = pill[pill > pixels.shape[1] // 2]  # not the lock at the left, accent too
    assert pill.size, "the pill is painted"
    name = _lit_columns(pixels)
    assert name.size > 20, "the name is painted"
    assert name.max() < pill.min() - 2, (
        f"the name runs to x={name.max()}, the pill starts at {pill.min()}"
    )


def _nameruns(pixels: np.ndarray) -> list[tuple[int, int]]:
    """(top, bottom) of each painted name: runs of image rows holding light grey text."""
    rgb = pixels[..., :3].astype(int)
    grey = (rgb.min(axis=2) > 110) & (rgb.max(axis=2) - rgb.min(axis=2) < 40)
    return runs(grey.sum(axis=1) >= 2)


def test_a_right_click_on_a_thread_opens_its_menu_not_the_thread(qtbot, state, api):
    """A right-click made the row under it current, which opened that thread behind the
    menu meant for it. Only the menu opens now (Rename… acts on the row clicked)."""
    from tests.gui.menu_driver import choose_from_next_menu

    alpha = api.create_thread("Alpha")
    beta = api.create_thread("Beta")
    w = make(qtbot, state)
    state.start()
    qtbot.waitUntil(lambda: w.list.count() == 2, timeout=TIMEOUT)
    state.open_thread(alpha.id)
    qtbot.waitUntil(lambda: state.current_thread_id == alpha.id, timeout=TIMEOUT)
    QApplication.processEvents()

    pixels = grab(w.list.viewport())
    bands = _nameruns(pixels)
    assert len(bands) == 2, bands
    selected_rows = np.flatnonzero(mask_of(pixels, theme.ACCENT, 30)[:, :12].any(axis=1))
    other = [b for b in bands if not ((selected_rows >= b[0]) & (selected_rows <= b[1])).any()]
    assert len(other) == 1, (bands, selected_rows)
    name_columns = _lit_columns(pixels[other[0][0] : other[0][1] + 1])
    where = QPoint(int(name_columns.mean()), (other[0][0] + other[0][1]) // 2)

    seen: list[str] = []
    choose_from_next_menu("(close)", seen)
    # Through the window, as the platform delivers it: the press, then the context menu
    # event Qt makes of it (a click sent to the widget itself makes no menu event).
    at = w.list.viewport().mapTo(w.window(), where)
    QTest.mouseClick(w.window().windowHandle(), Qt.MouseButton.RightButton, pos=at)
    qtbot.waitUntil(lambda: bool(seen) and QApplication.activePopupWidget() is None)
    assert "Rename…" in seen  # the menu was for a row
    assert state.current_thread_id == alpha.id, "the right-click opened the thread"
    assert w.list.currentItem().data(Qt.ItemDataRole.UserRole + 1) == alpha.id
    assert beta.id in w.thread_ids()


@pytest.mark.parametrize("width", [96, 110, 130, 150, 180, 240, 420])
def test_the_empty_list_hint_reads_in_balanced_lines(qtbot, state, width):
    """Word wrap left "one." alone under "Press + to start" in a narrow list. At every
    width the hint's lines are of comparable length and inside the list."""
    w = make(qtbot, state)
    w.resize(width, 300)
    QApplication.processEvents()
    pixels = grab(w.list.viewport())
    faint = mask_of(pixels, theme.TEXT_FAINT, 40)
    spans = []
    for top, bottom in runs(faint.sum(axis=1) >= 1):
        columns = np.flatnonzero(faint[top : bottom + 1].any(axis=0))
        spans.append((columns.min(), columns.max()))
    assert 2 <= len(spans) <= 4, spans
    widths = [right - left + 1 for left, right in spans]
    assert min(widths) >= 0.45 * max(widths), f"lines of {widths} px at {width} px"
    assert all(left > 0 and right < pixels.shape[1] - 1 for left, right in spans)
