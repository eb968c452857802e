"""Every message still on its way says so in its row, text-only or not: a queued one
"waiting to send", a failed one "not sent" (with the reason when no audio strip tells it).

The painted check reads the header's faint time text from the rendered list: a queued
text-only row's time line must run well past a delivered twin's, where the mark is.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QRect
from PySide6.QtGui import QFont, QFontMetricsF, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from desktop_app.domain.message import Message, Render
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.message_roles import Roles
from desktop_app.ui import theme
from desktop_app.ui.message_delegate import time_line
from desktop_app.ui.message_list import MessageListView
from tests.gui.pixels import blobs, grab

SNAP = {"bpm": 120.0, "length": 16, "tracks": []}
WHEN = "2026-11-24T10:00:00Z"


def _text_only(mid: str, user: str = "bob") -> Message:
    return Message(mid, "t", user, {}, WHEN, text="offline test 1")


def _time_of(model: MessageListModel, mid: str) -> str:
    return model.index(model.row_of(mid), 0).data(Roles.TIME_TEXT)


def test_queued_and_failed_rows_say_so_with_or_without_a_take():
    model = MessageListModel("bob")
    model.upsert_message(_text_only("sent"))
    model.upsert_message(_text_only("queued"), pending=True)
    model.upsert_message(Message("pattern", "t", "bob", SNAP, WHEN), pending=True)
    take = Render("take-x", "file:///x.mp3", duration=2.0)
    model.upsert_message(Message("take", "t", "bob", SNAP, WHEN), pending=True, take=take)
    failed = "Could not post the message — Server said 503"
    model.upsert_message(_text_only("failed"), upload_error=failed)
    model.upsert_message(Message("failed-pattern", "t", "bob", SNAP, WHEN), upload_error=failed)
    plain = _time_of(model, "sent")
    assert "·" not in plain
    for mid in ("queued", "pattern", "take"):
        assert _time_of(model, mid) == f"{plain} · waiting to send", mid
    assert _time_of(model, "failed") == f"{plain} · not sent: Server said 503"
    assert _time_of(model, "failed-pattern") == f"{plain} · not sent"


def _time_line_right(view: MessageListView, row: int) -> int:
    """The right end of the faint text on the row's header line (time and marks)."""
    rect = view.visualRect(view.model().index(row, 0))
    band = QRect(rect.left() + 40, rect.top() + 4, rect.width() - 60, 30)
    found = [b for b in blobs(grab(view.viewport()), theme.TEXT_FAINT, band) if b.height <= 16]
    assert found, f"no time painted in row {row}"
    return max(b.right for b in found)


def _shown(qtbot, model: MessageListModel, width: int, height: int) -> MessageListView:
    view = MessageListView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_queued_text_only_row_paints_its_waiting_mark(qtbot):
    model = MessageListModel("alice")  # not the viewer's own: no "· you" after the time
    model.upsert_message(_text_only("sent", "bob"))
    model.upsert_message(
        Message("queued", "t", "bob", {}, "2026-11-24T10:00:01Z", text="offline test 1"),
        pending=True,
    )
    view = _shown(qtbot, model, 700, 300)
    qtbot.mouseMove(view.viewport(), QPoint(2, view.viewport().height() - 2))
    QApplication.processEvents()
    sent, queued = _time_line_right(view, 0), _time_line_right(view, 1)
    assert queued - sent > 60, (sent, queued)  # " · waiting to send" is ~100 px


def test_a_failed_text_only_row_tells_why_in_its_tooltip(qtbot):
    """The header's "not sent: …" may be cut short in a narrow panel; the row's tooltip
    holds the whole failure (right-click → Retry sending retries it)."""
    model = MessageListModel("bob")
    why = "Could not post the message — the server answered 503 Service Unavailable"
    model.upsert_message(_text_only("failed"), upload_error=why)
    view = _shown(qtbot, model, 300, 200)
    words = view.visualRect(model.index(0, 0)).center()
    QApplication.sendEvent(view.viewport(), QHelpEvent(
        QEvent.Type.ToolTip, words, view.viewport().mapToGlobal(words)))  # fmt: skip
    assert QToolTip.text() == why
    QToolTip.hideText()


def test_a_queued_pattern_without_a_take_says_waiting_once(qtbot):
    """A queued pattern with no take said "waiting to send" twice: by its time and again
    in its audio strip. The strip says what it says once delivered ("Pattern only — no
    audio", pixel for pixel); the mark is by the time, as on every queued row."""
    model = MessageListModel("alice")
    model.upsert_message(Message("sent", "t", "bob", SNAP, WHEN))
    model.upsert_message(Message("queued", "t", "bob", SNAP, "2026-11-24T10:00:01Z"), pending=True)
    view = _shown(qtbot, model, 700, 400)
    view.setCurrentIndex(QModelIndex())  # no current row's ring on either
    qtbot.mouseMove(view.viewport(), QPoint(2, view.viewport().height() - 2))
    QApplication.processEvents()
    sent_rect, queued_rect = (view.visualRect(model.index(row, 0)) for row in (0, 1))
    assert sent_rect.size() == queued_rect.size()
    pixels = grab(view.viewport())
    lower = sent_rect.height() // 2  # the strip, well below the header's time line

    def strip(rect: QRect):
        return pixels[rect.top() + lower : rect.bottom() + 1, rect.left() : rect.right() + 1]

    assert (strip(sent_rect) == strip(queued_rect)).all(), "the queued strip differs"
    assert blobs(strip(sent_rect), theme.TEXT_FAINT), "no 'Pattern only' painted"
    assert _time_line_right(view, 1) - _time_line_right(view, 0) > 60  # the mark, once


def test_a_narrow_row_keeps_its_waiting_mark_whole(qtbot):
    """In a narrow conversation (1024 px window) the header line was cut to "23:06 ·
    waitin…": the mark a queued row shows once was the part lost. "you" and then the
    clock give way first; the painted line is as wide as "waiting to send", not cut."""
    model = MessageListModel("bob")  # the viewer's own row: "· you" competes for room
    model.upsert_message(Message("queued", "t", "bob", SNAP, WHEN), pending=True)
    view = _shown(qtbot, model, 290, 260)
    view.setCurrentIndex(QModelIndex())
    qtbot.mouseMove(view.viewport(), QPoint(2, view.viewport().height() - 2))
    QApplication.processEvents()
    rect = view.visualRect(model.index(0, 0))
    band = QRect(rect.left() + 40, rect.top() + 4, rect.width() - 60, 30)
    pixels = grab(view.viewport())
    name_end = max(b.right for b in blobs(pixels, theme.TEXT, band))  # "bob", bright
    found = [b for b in blobs(pixels, theme.TEXT_FAINT, band) if b.left > name_end + 1]
    painted = max(b.right for b in found) - min(b.left for b in found) + 1
    font = view.delegate.fonts.small
    assert abs(painted - QFontMetricsF(font).horizontalAdvance("waiting to send")) <= 3, painted


def test_the_time_line_gives_way_in_order():
    font = QFont()
    fm = QFontMetricsF(font)
    line = "10:00 · waiting to send"

    def fits(text: str) -> float:
        return fm.horizontalAdvance(text) + 1

    assert time_line(fm, line, True, fits(line + "  ·  you")) == line + "  ·  you"
    assert time_line(fm, line, True, fits(line)) == line
    assert time_line(fm, line, True, fits("waiting to send")) == "waiting to send"
    assert time_line(fm, "10:00", True, fits("10:00")) == "10:00"
    cut = time_line(fm, line, False, fits("waiting"))
    assert cut.startswith("wait") and cut.endswith("…")
