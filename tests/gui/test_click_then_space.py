"""A click on a row's play button makes that row current, so the keyboard acts on it:
Space after the click went to the row that was current before (the click left it where it
was) and started that one instead of pausing the one playing."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.domain.message import Message, Render
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.ui import theme
from desktop_app.ui.message_list import MessageListView
from tests.gui.pixels import LEFT, NO_MOD, blobs, grab

SNAP = {"bpm": 120.0, "length": 16, "steps_per_beat": 4, "tracks": []}


def _play_disc(view: MessageListView, row: int) -> QPoint:
    """The centre of the row's play button: a 28 px accent disc in its lower part."""
    r = view.visualRect(view.model().index(row, 0))
    lower = QRect(r.left(), r.bottom() - 52, r.width(), 52)
    found = [b for b in blobs(grab(view.viewport()), theme.ACCENT, lower)
             if 24 <= b.width <= 32 and 24 <= b.height <= 32]  # fmt: skip
    assert len(found) == 1, f"no play button found in row {row}"
    return found[0].centre


def test_space_after_clicking_a_play_button_acts_on_that_row(qtbot):
    model = MessageListModel("alice")
    for n in (1, 2):
        render = Render(f"r{n}", "https://example.invalid/x.mp3", duration=4.0, peaks=(0.5,) * 40)
        model.upsert_message(
            Message(f"m{n}", "t", "bob", SNAP, f"2026-11-24T10:00:0{n}Z", renders=(render,))
        )
    view = MessageListView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    view.setCurrentIndex(model.index(0, 0))  # a row current before the click
    qtbot.mouseMove(view.viewport(), QPoint(2, view.viewport().height() - 2))
    QApplication.processEvents()
    requested: list[str] = []
    view.playRequested.connect(requested.append)

    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, _play_disc(view, 1))
    assert requested == ["m2"]
    assert view.currentIndex().row() == 1
    view.setFocus(Qt.FocusReason.MouseFocusReason)  # what the click gives a real window
    QTest.keyClick(view, Qt.Key.Key_Space)
    assert requested == ["m2", "m2"]  # the same row: pause, not another one starting
