"""Two people on one real server, as the QA pass found them:

- a dropped MP3 waits in the composer (name and length, ✕/Esc takes it back) and is posted
  only by Send; the others see its waveform before downloading it (the sender sends its
  peaks, as a take's), and neither side is offered Load for a file with no pattern;
- deleting a message asks about what it holds (a text-only one has no recording);
- a private thread's header lists every member, its maker too, "you" for oneself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QPushButton

from desktop_app.app import AppGraph
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.state.message_roles import Roles
from desktop_app.ui import theme
from tests.gui.journeys import (
    TIMEOUT,
    band_practice,
    click_painted,
    message_view,
    park_mouse,
    row_rect,
    send_button,
)
from tests.gui.pixels import grab, mask_of

RATE = 44100


def _rising_tone(seconds: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    mono = (0.8 * (t / seconds) * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def _drop(graph: AppGraph, files: list[Path]) -> None:
    viewport = message_view(graph).viewport()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(
        viewport, QDragEnterEvent(QPoint(60, 60), Qt.DropAction.CopyAction, mime, buttons, mods)
    )
    QApplication.sendEvent(
        viewport, QDropEvent(QPointF(60, 60), Qt.DropAction.CopyAction, mime, buttons, mods)
    )


def _attachment_labels(graph: AppGraph) -> list[str]:
    """Each attachment's name and length, as its row shows them."""
    bar = graph.window.conversation.attachments
    rows = [row for row in bar.findChildren(QFrame, "attachment") if row.isVisibleTo(bar)]
    return [
        f"{row.findChild(QLabel, 'attachmentName').text()} · "
        f"{row.findChild(QLabel, 'attachmentLength').text()}"
        for row in rows
    ]


def _bright_accent_in_top_line(graph: AppGraph, message_id: str) -> int:
    """How many pixels of the top line of the message's card are painted in the bright
    accent of the "Load" label."""
    rect = row_rect(graph, message_id)
    top = QRect(rect.left(), rect.top(), rect.width(), 46)
    mask = mask_of(grab(message_view(graph).viewport()), theme.ACCENT_BRIGHT)
    return int(mask[top.top() : top.bottom() + 1, top.left() : top.right() + 1].sum())


def test_a_dropped_mp3_waits_for_send_and_arrives_with_its_waveform(qtbot, tmp_path, modals):
    mp3 = tmp_path / "guitar take.mp3"
    encode_mp3(_rising_tone(2.0), RATE, mp3, bitrate=192)

    with band_practice(qtbot, tmp_path) as (api, thread, ada, bo, _backend):
        panel = ada.window.conversation

        # Dropped: shown in the composer, nothing posted.
        _drop(ada, [mp3])
        qtbot.waitUntil(lambda: _attachment_labels(ada) == ["♪ guitar take.mp3 · 0:02"])
        assert "guitar take.mp3" in panel.take_label.text()
        assert thread.name in panel.take_label.text()
        assert ada.threads_state.messages.ids() == [] and ada.outbox.pending() == []

        # Esc in the composer takes it back.
        panel.text_box.setFocus()
        QTest.keyClick(panel.text_box, Qt.Key.Key_Escape)
        assert _attachment_labels(ada) == [] and not panel.attachments.isVisible()

        # ✕ too.
        _drop(ada, [mp3])
        remove = panel.attachments.findChild(QPushButton, "attachmentRemove")
        assert remove is not None
        QTest.mouseClick(remove, Qt.MouseButton.LeftButton)
        assert panel.attachments.files == []
        qtbot.wait(200)
        assert api.list_messages(thread.id).messages == []

        # Dropped again and sent with Send, once it has been read.
        _drop(ada, [mp3])
        qtbot.waitUntil(panel.send_button.isEnabled)
        click_painted(qtbot, panel, send_button(ada))
        assert panel.attachments.files == []
        qtbot.waitUntil(
            lambda: any(m.renders for m in api.list_messages(thread.id).messages),
            timeout=TIMEOUT,
        )
        [message] = api.list_messages(thread.id).messages
        peaks = message.renders[0].peaks
        assert peaks and max(peaks) > 0.5 and peaks[0] < peaks[-1]  # the rising tone

        # bo sees its waveform before playing (nothing downloaded), and no Load.
        model = bo.threads_state.messages
        bo.threads_state.refresh_messages()
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT)
        row = model.index(0)
        qtbot.waitUntil(lambda: bool(row.data(Roles.PEAKS)), timeout=TIMEOUT)
        assert bo.playback.cache.lookup(message.renders[0].id) is None
        assert max(row.data(Roles.PEAKS)) > 0.5
        for graph in (ada, bo):
            labels = [
                a.text() for a in graph.window.conversation.message_menu(message.id).actions()
            ]
            assert "Load pattern into the sequencer" not in labels
            park_mouse(qtbot, graph)
            assert _bright_accent_in_top_line(graph, message.id) == 0, "a Load is painted"

        # A pattern message still has its Load (the check above can see one).
        ada.window.conversation.send()
        qtbot.waitUntil(lambda: len(api.list_messages(thread.id).messages) == 2, timeout=TIMEOUT)
        pattern_id = next(m.id for m in api.list_messages(thread.id).messages if m.id != message.id)
        qtbot.waitUntil(lambda: pattern_id in ada.threads_state.messages.ids(), timeout=TIMEOUT)
        park_mouse(qtbot, ada)
        assert _bright_accent_in_top_line(ada, pattern_id) > 10


def test_delete_asks_about_what_the_message_holds(qtbot, tmp_path, modals):
    with band_practice(qtbot, tmp_path) as (api, thread, ada, _bo, _backend):
        panel = ada.window.conversation
        panel.text_box.setPlainText("the hats are too busy")
        panel.send_words()
        qtbot.waitUntil(lambda: len(api.list_messages(thread.id).messages) == 1, timeout=TIMEOUT)
        [words] = api.list_messages(thread.id).messages
        panel.send()  # the pattern, no take
        qtbot.waitUntil(lambda: len(api.list_messages(thread.id).messages) == 2, timeout=TIMEOUT)
        pattern = next(m for m in api.list_messages(thread.id).messages if m.id != words.id)
        qtbot.waitUntil(lambda: len(ada.threads_state.messages.ids()) == 2, timeout=TIMEOUT)

        modals.answer("Cancel", "Cancel")
        panel.delete_message(words.id)
        panel.delete_message(pattern.id)
        asked_words, asked_pattern = (shown.text for shown in modals.shown)
        assert "The server removes its words too." in asked_words
        assert "recording" not in asked_words
        assert "The server removes its pattern too." in asked_pattern
        assert "recording" not in asked_pattern  # sent without a take


def test_a_private_threads_header_lists_its_maker_and_says_you(qtbot, tmp_path):
    with band_practice(qtbot, tmp_path) as (_api, _thread, ada, bo, _backend):
        ada.threads_state.create_private_thread("Anna+Ben secret", ("bo",))
        for graph in (ada, bo):
            graph.threads_state.refresh_threads()
            qtbot.waitUntil(
                lambda g=graph: any(t.name == "Anna+Ben secret" for t in g.threads_state.threads),
                timeout=TIMEOUT,
            )
            secret = next(t for t in graph.threads_state.threads if t.name == "Anna+Ben secret")
            graph.threads_state.open_thread(secret.id)
        subtitle = lambda g: g.window.conversation.subtitle.text()  # noqa: E731
        qtbot.waitUntil(lambda: "members: you, bo" in subtitle(ada), timeout=TIMEOUT)
        qtbot.waitUntil(lambda: "members: you, ada" in subtitle(bo), timeout=TIMEOUT)
