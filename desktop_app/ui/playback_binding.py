"""Playback meets the window: the message list's and thread list's signals to the
controller and fetcher, their errors and progress to the status bar.

The objects themselves are built by the composition root (``Playback.build``).
``bind(window)`` connects the window's thread-bound widgets — the message list and the
thread list, which the window rebuilds when the server or user changes, so ``bind`` is
called again then.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QMenu

from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher
from desktop_app.ui.drag_out import RenderDragger, wants_midi
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.save_recording import SaveRecording


class _Conversation(Protocol):
    @property
    def messages(self) -> MessageListView: ...

    def add_message_actions(self, provider: Callable[[QMenu, str], None]) -> None: ...


class PlaybackWindow(Protocol):
    """The part of ``MainWindow`` playback binds to."""

    @property
    def conversation(self) -> _Conversation | None: ...
    @property
    def thread_list(self) -> object: ...

    def show_error(self, text: str) -> None: ...
    def show_notice(self, text: str) -> None: ...


class PlaybackBinding:
    """``PlaybackBinding(controller, fetcher, dragger, saver=None)``; ``bind(window)``
    (again after the window rebuilt its thread widgets). ``saver`` adds "Save recording
    as…" to the message menu."""

    def __init__(
        self,
        controller: PlaybackController,
        fetcher: RenderFetcher,
        dragger: RenderDragger,
        saver: SaveRecording | None = None,
    ) -> None:
        self.controller = controller
        self.fetcher = fetcher
        self.dragger = dragger
        self.saver = saver
        self._bound: list[tuple[SignalInstance, Callable[..., Any]]] = []
        self._window: PlaybackWindow | None = None

    def bind(self, window: PlaybackWindow) -> None:
        """Connect ``window.conversation.messages`` and ``window.thread_list`` (again)."""
        self._unbind()
        c = self.controller
        assert window.conversation is not None, "the window builds its panels first"
        view = window.conversation.messages
        links: list[tuple[SignalInstance, Callable[..., Any]]] = [
            (view.playRequested, c.toggle),
            (view.seekRequested, c.seek),
            (view.loopRequested, c.toggle_loop),
            (view.seekByRequested, c.seek_by),
            (view.dragRequested, lambda mid, v=view: self._drag(v, mid)),
        ]
        offline = getattr(window.thread_list, "offlineRequested", None)
        if isinstance(offline, SignalInstance):
            links.append((offline, self.fetcher.make_thread_available_offline))
        for signal, slot in links:
            signal.connect(slot)
        self._bound = links
        if self.saver is not None:  # a new panel each time: it starts without extras
            window.conversation.add_message_actions(self.saver.add_actions)
        if self._window is not window:
            self._window = window
            c.error.connect(window.show_error)
            if self.saver is not None:
                self.saver.notice.connect(window.show_notice)
            self.fetcher.offlineProgress.connect(
                lambda done, total: window.show_notice(_offline_text(done, total))
            )

    def _drag(self, view: MessageListView, message_id: str) -> None:
        self.dragger.start(view, message_id, with_midi=wants_midi(view.drag_modifiers))

    def _unbind(self) -> None:
        for signal, slot in self._bound:
            with contextlib.suppress(RuntimeError, TypeError):  # the widget is already gone
                signal.disconnect(slot)
        self._bound = []


def _offline_text(done: int, total: int) -> str:
    if total == 0:
        return "Everything in this thread is already available offline"
    if done >= total:
        return f"Available offline: {total} recording" + ("" if total == 1 else "s")
    return f"Making available offline… {done} of {total}"
