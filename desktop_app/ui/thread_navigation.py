"""Finding the way back to a thread: from a desktop notification (the window comes to
the front with that thread open) and from the status bar's now-playing control (the
thread opens and the playing row scrolls into view)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot

from desktop_app.domain.message import Message
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.open_files import NowPlaying

NAME_CHARS = 40  # of a message's first line in the status bar


def now_playing_name(user: str, text: str, thread: str) -> str:
    """ "ada · first line of her words in Takes": a first line longer than ``NAME_CHARS``
    ends in "…", so a cut word (a link cut to "https://exa") never looks complete."""
    lines = text.strip().splitlines()
    what = lines[0].strip() if lines else "pattern"
    if len(what) > NAME_CHARS:
        what = what[: NAME_CHARS - 1].rstrip() + "…"
    return f"{user} · {what}" + (f" in {thread}" if thread else "")


class ThreadNavigator(QObject):
    """``threads`` is asked each time: switching server replaces the threads state."""

    def __init__(
        self,
        window: MainWindow,
        threads: Callable[[], ThreadsState],
        now_playing: NowPlaying,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._threads = threads
        self._now_playing = now_playing
        self._playing: Message | None = None  # the message the bar names, if any

    def bind(self, threads: ThreadsState) -> None:
        """A (new) threads state: the bar's name follows its renames, and a message or
        thread deleted there stops playing (its row, and its pause button, are gone)."""
        threads.threadsChanged.connect(self._threads_changed)
        threads.messageRemoved.connect(self._message_removed)

    def thread_name(self, thread_id: str) -> str:
        thread = self._threads().thread_by_id(thread_id)
        return thread.name if thread is not None else ""

    def show_thread(self, thread_id: str) -> None:
        """A notification was clicked: its thread, in the window brought to the front."""
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
        self._threads().open_thread(thread_id)

    def follow_playing(self, key: str) -> None:
        message = self._threads().messages.message(key) if key else None
        self._playing = message
        if message is None:
            return  # an opened file (FileOpener follows those) or nothing
        thread_id, message_id = message.parent_thread, message.id
        length = message.renders[0].duration if message.renders else None
        self._now_playing.follow(
            key, self._name_of(message), lambda: self.go_to(thread_id, message_id), length
        )

    def _name_of(self, message: Message) -> str:
        thread = self.thread_name(message.parent_thread)
        return now_playing_name(message.user_id, message.text, thread)

    @Slot()
    def _threads_changed(self) -> None:
        message = self._playing
        if message is None:
            return
        if self._threads().thread_by_id(message.parent_thread) is None:
            self._now_playing.stop_if(message.id)  # the thread is gone
        else:
            self._now_playing.rename(message.id, self._name_of(message))

    @Slot(str)
    def _message_removed(self, message_id: str) -> None:
        if self._playing is not None and self._playing.id == message_id:
            self._now_playing.stop_if(message_id)

    def go_to(self, thread_id: str, message_id: str) -> None:
        """Back to the playing message: its thread opened, the row in view."""
        state = self._threads()
        state.open_thread(thread_id)
        panel = self._window.conversation
        if panel is None:
            return
        view = panel.messages
        if not view.scroll_to_message(message_id):
            # the thread's rows arrive from the store a moment later
            def when_listed(*_args: object) -> None:
                if view.scroll_to_message(message_id):
                    state.messages.rowsInserted.disconnect(when_listed)
                    state.messages.modelReset.disconnect(when_listed)

            state.messages.rowsInserted.connect(when_listed)
            state.messages.modelReset.connect(when_listed)
