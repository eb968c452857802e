"""Live threads through the real windows of two people on one real server (127.0.0.1:0):
what one sends reaches the other's window by the server's events; unread counts in the
thread list, the "New" divider, notifications and a muted thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from desktop_app.domain.draft import draft_with_audio
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.state.message_roles import Roles
from desktop_app.state.open_thread import POLL_PUSHED_MS
from desktop_app.ui import theme
from desktop_app.ui.thread_list import ID_ROLE
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.journeys import TIMEOUT, running
from tests.gui.pixels import grab, mask_of


def _item_rect(graph, thread_id: str):
    view = graph.window.thread_list.list
    for i in range(view.count()):
        if view.item(i).data(ID_ROLE) == thread_id:
            return view.visualItemRect(view.item(i))
    raise AssertionError(f"{thread_id} not listed")


def _click_thread(qtbot, graph, thread_id: str) -> None:
    view = graph.window.thread_list.list
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=_item_rect(graph, thread_id).center()
    )
    QApplication.processEvents()


def _pill_pixels(graph, thread_id: str, colour: str) -> int:
    """Pixels of the unread pill's colour in the right third of the thread's row (inside
    the list's focus ring, which is accent too)."""
    viewport = graph.window.thread_list.list.viewport()
    rect = _item_rect(graph, thread_id).intersected(viewport.rect().adjusted(4, 4, -4, -4))
    pixels = grab(viewport)
    left = rect.left() + rect.width() * 2 // 3
    right = pixels[rect.top() : rect.bottom() + 1, left : rect.right() + 1]
    return int(np.count_nonzero(mask_of(right, colour, 12)))


def test_unread_counts_divider_notifications_and_mute(qtbot, tmp_path: Path) -> None:
    server = ThreadedServer(make_backend("sqlite-local", tmp_path / "srv").app()).start()
    api = ApiClient(server.url, TOKEN)
    other = api.create_thread("Other")
    takes = api.create_thread("Takes")  # newest: both apps open it first
    try:
        with running(qtbot, tmp_path / "bo", server.url, "bo") as bo:
            shown: list[tuple[str, str]] = []
            bo.notifier.show_with = lambda title, body: shown.append((title, body)) or True
            state = bo.threads_state
            qtbot.waitUntil(lambda: state.current_thread_id == takes.id, timeout=TIMEOUT)
            qtbot.waitUntil(lambda: bo.session.live.streaming, timeout=TIMEOUT)
            assert state.poll_interval_ms == POLL_PUSHED_MS
            assert _pill_pixels(bo, other.id, theme.ACCENT) == 0

            first = api.post_message(
                draft_with_audio(other.id, "ada", demo_pattern().to_snapshot(), None)
            )
            qtbot.waitUntil(lambda: state.unread_count(other.id) == 1, timeout=TIMEOUT)
            qtbot.waitUntil(lambda: _pill_pixels(bo, other.id, theme.ACCENT) > 40, timeout=TIMEOUT)
            assert shown and shown[-1][0] == "ada in Other"

            # Muted from the thread list's menu: counted, not notified.
            state.set_muted(other.id, True)
            api.post_message(draft_with_audio(other.id, "ada", demo_pattern().to_snapshot(), None))
            qtbot.waitUntil(lambda: state.unread_count(other.id) == 2, timeout=TIMEOUT)
            assert len(shown) == 1
            state.set_muted(other.id, False)

            # Turned off in the settings: counted, not notified.
            bo.settings.notifications = False
            api.post_message(draft_with_audio(other.id, "ada", demo_pattern().to_snapshot(), None))
            qtbot.waitUntil(lambda: state.unread_count(other.id) == 3, timeout=TIMEOUT)
            assert len(shown) == 1
            bo.settings.notifications = True

            # Opening the thread reads it; the New divider sits above the first unread.
            _click_thread(qtbot, bo, other.id)
            qtbot.waitUntil(lambda: state.current_thread_id == other.id, timeout=TIMEOUT)
            assert state.unread_count(other.id) == 0
            model = state.messages
            qtbot.waitUntil(lambda: model.first_unread == first.id, timeout=TIMEOUT)
            qtbot.waitUntil(lambda: model.row_of(first.id) >= 0, timeout=TIMEOUT)
            assert model.index(model.row_of(first.id)).data(Roles.NEW_DIVIDER) is True
            view = bo.window.conversation.messages
            rect = view.visualRect(model.index(model.row_of(first.id)))
            band = grab(view.viewport())[rect.top() : rect.top() + 22, rect.left() : rect.right()]
            assert np.count_nonzero(mask_of(band, theme.ERROR, 30)) > 20  # the red "New" line
            qtbot.waitUntil(lambda: _pill_pixels(bo, other.id, theme.ACCENT) == 0, timeout=TIMEOUT)
    finally:
        server.stop()


class _Browser(QObject):
    """Stands in for the user's browser: Qt hands it the links QDesktopServices opens."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def _words_blob(graph, message_id: str, colour: str):
    """The painted pixels of ``colour`` in the message's row, as one bounding box."""
    view = graph.window.conversation.messages
    model = graph.threads_state.messages
    index = model.index(model.row_of(message_id))
    view.scrollTo(index)
    QApplication.processEvents()
    rect = view.visualRect(index)
    mask = mask_of(grab(view.viewport()), colour, 30)[rect.top() : rect.bottom() + 1]
    ys, xs = np.nonzero(mask)
    return rect, xs, ys


def test_words_links_and_replies_between_two_windows(qtbot, tmp_path: Path) -> None:
    server = ThreadedServer(make_backend("sqlite-local", tmp_path / "srv").app()).start()
    takes = ApiClient(server.url, TOKEN).create_thread("Takes")
    browser = _Browser()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        with (
            running(qtbot, tmp_path / "ada", server.url, "ada") as ada,
            running(qtbot, tmp_path / "bo", server.url, "bo") as bo,
        ):
            for g in (ada, bo):
                qtbot.waitUntil(
                    lambda g=g: g.threads_state.current_thread_id == takes.id, timeout=TIMEOUT
                )
                qtbot.waitUntil(lambda g=g: g.session.live.streaming, timeout=TIMEOUT)

            # Ada types words with a link and presses Enter: a words-only message.
            box = ada.window.conversation.text_box
            box.setFocus()
            qtbot.keyClicks(box, "listen <b>here</b>")
            qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
            qtbot.keyClicks(box, "https://example.org/groove")
            assert box.text == "listen <b>here</b>\nhttps://example.org/groove"
            qtbot.keyClick(box, Qt.Key.Key_Return)
            assert box.text == ""
            bo_model = bo.threads_state.messages
            qtbot.waitUntil(lambda: bo_model.rowCount() == 1, timeout=TIMEOUT)
            words = bo_model.message_at(0)
            assert words.text == "listen <b>here</b>\nhttps://example.org/groove"
            assert not words.has_pattern  # words only, nothing to play or load

            # Bo's window paints the link in the link colour; clicking there opens it.
            rect, xs, ys = _words_blob(bo, words.id, theme.ACCENT_BRIGHT)
            assert len(xs) > 30, "no link painted"
            link = QPoint(int(np.median(xs)), rect.top() + int(np.median(ys)))
            view = bo.window.conversation.messages
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=link)
            qtbot.waitUntil(
                lambda: browser.opened == ["https://example.org/groove"], timeout=TIMEOUT
            )

            # Bo replies from the message's menu: the quote shows in the composer.
            panel = bo.window.conversation
            menu = panel.message_menu(words.id)
            next(a for a in menu.actions() if a.text() == "Reply").trigger()
            assert panel.reply_bar.isVisible()
            assert "ada: listen <b>here</b>" in panel.reply_label.text()
            qtbot.keyClicks(panel.text_box, "nice")
            qtbot.keyClick(panel.text_box, Qt.Key.Key_Return)
            assert not panel.reply_bar.isVisible()
            ada_model = ada.threads_state.messages
            qtbot.waitUntil(lambda: ada_model.rowCount() == 2, timeout=TIMEOUT)
            reply = ada_model.message_at(1)
            assert (reply.text, reply.reply_to) == ("nice", words.id)
            index = ada_model.index(1)
            assert index.data(Roles.QUOTE_TEXT) == "ada: listen <b>here</b>"

            # Clicking the quote in Ada's window makes the answered message current.
            ada_view = ada.window.conversation.messages
            rect, xs, ys = _words_blob(ada, reply.id, theme.ACCENT_DIM)
            assert len(xs) > 5, "no quote bar painted"
            qtbot.mouseClick(
                ada_view.viewport(),
                Qt.MouseButton.LeftButton,
                pos=QPoint(int(xs.min()) + 20, rect.top() + int(np.median(ys))),
            )
            assert ada_view.currentIndex().row() == ada_model.row_of(words.id)
    finally:
        QDesktopServices.unsetUrlHandler("https")
        server.stop()


@dataclass
class PlayingTake:
    ada: object  # the running AppGraph
    api: ApiClient
    thread_id: str  # where the take was posted
    other_id: str  # where the app opened
    mid: str  # the take's message, playing


@contextmanager
def playing_a_take(qtbot, tmp_path: Path, thread_name: str) -> Iterator[PlayingTake]:
    """ada's window on a real server, its take in ``thread_name`` played from its painted
    play disc (the window opened "Other", the newest thread)."""
    from tests.gui.journeys import play_disc
    from tests.gui.test_journey_drag_out import _post_take

    server = ThreadedServer(make_backend("sqlite-local", tmp_path / "srv").app()).start()
    api = ApiClient(server.url, TOKEN)
    thread = api.create_thread(thread_name)
    mid, _ = _post_take(api, thread.id, tmp_path)
    other = api.create_thread("Other")
    try:
        with running(qtbot, tmp_path / "ada", server.url, "ada") as ada:
            state = ada.threads_state
            qtbot.waitUntil(lambda: state.current_thread_id == other.id, timeout=TIMEOUT)
            _click_thread(qtbot, ada, thread.id)
            model = state.messages
            qtbot.waitUntil(lambda: model.row_of(mid) >= 0, timeout=TIMEOUT)
            qtbot.waitUntil(
                lambda: model.index(model.row_of(mid)).data(Roles.RENDERS) != (), timeout=TIMEOUT
            )
            view = ada.window.conversation.messages
            qtbot.mouseClick(
                view.viewport(), Qt.MouseButton.LeftButton, pos=play_disc(ada, mid).centre
            )
            player = ada.playback.player
            qtbot.waitUntil(lambda: player.is_playing and player.key == mid, timeout=TIMEOUT)
            yield PlayingTake(ada, api, thread.id, other.id, mid)
    finally:
        server.stop()


def test_a_message_plays_on_in_another_thread_and_the_status_bar_leads_back(
    qtbot, tmp_path: Path
) -> None:
    with playing_a_take(qtbot, tmp_path, "Takes") as take:
        ada, mid = take.ada, take.mid
        state, player = ada.threads_state, ada.playback.player
        _click_thread(qtbot, ada, take.other_id)
        qtbot.waitUntil(lambda: state.current_thread_id == take.other_id, timeout=TIMEOUT)
        assert player.is_playing and player.key == mid  # it plays on
        bar = ada.now_playing
        assert bar.isVisible() and bar.text.startswith("Now playing: bo · pattern in Takes")

        label = bar.label
        qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=label.rect().center())
        qtbot.waitUntil(lambda: state.current_thread_id == take.thread_id, timeout=TIMEOUT)
        view, model = ada.window.conversation.messages, state.messages
        qtbot.waitUntil(
            lambda: view.currentIndex().row() == model.row_of(mid) >= 0, timeout=TIMEOUT
        )
        bar.stop_button.click()
        qtbot.waitUntil(lambda: not player.is_playing, timeout=TIMEOUT)
