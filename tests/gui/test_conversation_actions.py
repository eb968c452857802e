"""The conversation panel's actions on real rows: delete own messages (confirmed), retry,
Send without a take, drop audio files to send them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.audio.wavio import write_wav
from desktop_app.domain.pattern import demo_pattern
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.conversation_panel import ConversationPanel
from tests.gui.pixels import grab, mask_of
from tests.gui.send_helpers import TIMEOUT, server_messages


@pytest.fixture
def panel(qtbot, alice):
    sequencer = SequencerState(None)
    recording = RecordingState(None, alice.outbox.files_dir / "rec")
    widget = ConversationPanel(alice.state, sequencer, recording)
    qtbot.addWidget(widget)
    widget.resize(600, 700)
    return widget


def rows(state) -> list[str]:
    return state.messages.ids()


def test_send_without_a_take_posts_the_pattern(qtbot, panel, alice, server, thread_id):
    assert panel.send_button.isEnabled()
    # It said "Send the pattern and the take" with no take recorded.
    assert panel.send_button.toolTip() == "Send the pattern (Ctrl+Return)"
    panel.send()
    qtbot.waitUntil(lambda: len(server_messages(server[0].url, thread_id)) == 1, timeout=TIMEOUT)
    (message,) = server_messages(server[0].url, thread_id)
    assert message.renders == () and message.snapshot["tracks"]


def test_delete_own_message_after_confirmation(qtbot, panel, alice, server, thread_id, modals):
    message = alice.api.create_message(thread_id, "alice", demo_pattern().to_snapshot())
    other = alice.api.create_message(thread_id, "bob", demo_pattern().to_snapshot())
    alice.state.refresh_messages()
    qtbot.waitUntil(lambda: len(rows(alice.state)) == 2, timeout=TIMEOUT)

    labels = [a.text() for a in panel.message_menu(message.id).actions() if a.text()]
    assert "Delete message…" in labels
    labels = [a.text() for a in panel.message_menu(other.id).actions() if a.text()]
    assert "Delete message…" not in labels  # only one's own

    modals.answer("Cancel")
    panel.delete_message(message.id)
    assert message.id in rows(alice.state)
    modals.answer("Delete")
    panel.delete_message(message.id)
    assert message.id not in rows(alice.state)
    assert [s.clicked for s in modals.shown] == ["Cancel", "Delete"]
    assert modals.shown[0].title == "Delete message"
    assert "for everyone" in modals.shown[0].text
    qtbot.waitUntil(
        lambda: [m.id for m in server_messages(server[0].url, thread_id)] == [other.id],
        timeout=TIMEOUT,
    )
    panel.delete_message(other.id)  # someone else's: nothing happens, not even a question
    assert other.id in rows(alice.state)
    assert len(modals.shown) == 2


def test_delete_key_on_own_row_asks_then_deletes(qtbot, panel, alice, thread_id, modals):
    message = alice.api.create_message(thread_id, "alice", demo_pattern().to_snapshot())
    alice.state.refresh_messages()
    qtbot.waitUntil(lambda: rows(alice.state) == [message.id], timeout=TIMEOUT)
    panel.show()
    panel.messages.setCurrentIndex(alice.state.messages.index(0))
    panel.messages.setFocus()
    modals.answer("Cancel")
    QTest.keyClick(panel.messages, Qt.Key.Key_Delete)
    assert rows(alice.state) == [message.id]
    modals.answer("Delete")
    QTest.keyClick(panel.messages, Qt.Key.Key_Delete)
    assert rows(alice.state) == []
    assert [s.clicked for s in modals.shown] == ["Cancel", "Delete"]


def _mime(paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drag_enter(panel, paths) -> QDragEnterEvent:
    """A file manager's drag arriving over the list, delivered as Qt delivers it."""
    return _deliver(panel, QDragEnterEvent, QPoint(40, 40), paths)


def drop(panel, paths) -> QDropEvent:
    return _deliver(panel, QDropEvent, QPointF(40, 40), paths)


def _deliver(panel, kind, at, paths):
    mime = _mime(paths)  # the event does not own it: keep it alive while it is delivered
    event = kind(
        at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(panel.messages.viewport(), event)
    return event


def accent_pixels(widget) -> int:
    """How many pixels of the widget are painted in (a shade of) the accent orange."""
    image = widget.grab().toImage()
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if c.red() > 150 and 0.35 < c.green() / c.red() < 0.75 and c.blue() < 0.4 * c.red():
                count += 1
    return count


def test_dragging_files_over_the_thread_highlights_it(qtbot, panel, tmp_path):
    wav = tmp_path / "idea.wav"
    write_wav(wav, (np.zeros((4410, 2)) + 0.1).astype(np.float32), 44100)
    panel.show()
    viewport = panel.messages.viewport()
    assert accent_pixels(viewport) == 0

    assert drag_enter(panel, [wav]).isAccepted()
    assert accent_pixels(viewport) > 200  # a frame around the list and a caption

    QApplication.sendEvent(viewport, QDragLeaveEvent())
    assert accent_pixels(viewport) == 0

    drag_enter(panel, [wav])
    assert accent_pixels(viewport) > 200
    assert drop(panel, [wav]).isAccepted()
    assert accent_pixels(viewport) == 0


def test_dropping_audio_attaches_it_send_posts_it_and_other_files_are_refused(
    qtbot, panel, alice, tmp_path
):
    wav = tmp_path / "idea.wav"
    write_wav(wav, (np.zeros((44100, 2)) + 0.1).astype(np.float32), 44100)
    text = tmp_path / "lyrics.txt"
    text.write_text("la la")
    refused: list[str] = []
    panel.sendFailed.connect(refused.append)
    drag_enter(panel, [wav, text])
    drop(panel, [wav, text])
    assert refused and "TXT files are not supported" in refused[0]
    assert panel.attachments.files == [wav]  # waits in the composer: nothing sent yet
    qtbot.wait(200)
    assert rows(alice.state) == []
    qtbot.waitUntil(panel.send_button.isEnabled)  # read on a worker
    panel.send()
    assert panel.attachments.files == []
    qtbot.waitUntil(lambda: len(rows(alice.state)) == 1, timeout=TIMEOUT)
    mid = rows(alice.state)[0]
    index = alice.state.messages.index(0)
    qtbot.waitUntil(lambda: alice.render_state(mid) == RENDER_READY, timeout=TIMEOUT)
    assert index.data(Roles.RENDER_STATE) == RENDER_READY
    assert alice.state.messages.message_at(0).snapshot["filename"] == "idea.wav"
    # the row names the file (not "Pattern"), here and for everyone reading the thread
    assert index.data(Roles.SUMMARY_TEXT) == "idea.wav · 0:01"
    # A queued take already shows its player (from the outbox): the post may still be on
    # its way to the server.
    url, thread = alice.api.base_url, alice.state.current_thread_id
    qtbot.waitUntil(lambda: len(server_messages(url, thread)) == 1, timeout=TIMEOUT)
    (posted,) = server_messages(url, thread)
    assert posted.snapshot_metadata["filename"] == "idea.wav"


def test_a_long_reply_quote_ends_in_an_ellipsis_and_the_hint_stays_whole(
    qtbot, panel, alice, thread_id
):
    """Replying to "Love the snap. Try it at 126?" in a 380 px panel showed "… Try it at":
    the quote's label was cut at its edge, with nothing to say there was more."""
    words = "Love the snap. Try it at 126? And the hats could be a bit darker on the two"
    message = alice.api.create_message(thread_id, "bob", demo_pattern().to_snapshot(), text=words)
    alice.state.refresh_messages()
    qtbot.waitUntil(lambda: rows(alice.state) == [message.id], timeout=TIMEOUT)
    panel.resize(380, 700)
    panel.show()
    qtbot.waitExposed(panel)

    panel.set_reply(message.id)
    qtbot.waitUntil(lambda: panel.reply_bar.isVisible())
    label = panel.reply_label
    assert words in label.text()  # the whole quote is kept (and in the tooltip)
    assert label.toolTip() == label.text()
    shown = label.elided_text()
    assert shown.endswith("…") and label.text().startswith(shown[:-1])
    assert label.geometry().right() < panel.reply_cancel.geometry().left()
    # the quote is painted inside its label: no text pixels in its last 3 columns
    pixels = grab(label)
    text = mask_of(pixels, theme.TEXT_DIM, tolerance=60)
    columns = np.flatnonzero(text.any(axis=0))
    assert columns.size and columns.max() < pixels.shape[1] - 3
    # the quote asks for no width, so the hint under the box keeps all its lines
    QApplication.processEvents()
    hint = panel.take_label
    assert hint.height() >= hint.heightForWidth(hint.width())
    assert hint.geometry().bottom() <= hint.parentWidget().contentsRect().bottom()
