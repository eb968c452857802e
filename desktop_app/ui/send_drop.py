"""Files dropped on the open thread become attachments waiting in the composer.

Audio files are handed to ``attach`` (the composer shows them, and Send posts them into
the open thread); anything else is refused in words at once — except a drag of pattern
files only, which is left to the window (it opens them, ``pattern_drop``).

An event filter on the message list (and its viewport) rather than drop handlers on the
list itself, so the list stays a plain view and the hint it paints is the only thing it
knows about dropping.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent

from desktop_app.domain.message import Thread
from desktop_app.services.dropped_audio import is_sendable, refusal
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.pattern_drop import local_files, pattern_files_only


class DropTarget(Protocol):
    """Where dropped audio goes (``ThreadsState``): the open thread."""

    @property
    def current_thread(self) -> Thread | None: ...
    @property
    def current_thread_id(self) -> str: ...


class SendDrop(QObject):
    """``SendDrop(threads_state, view, attach, refused)``: accepts local files dragged over
    ``view`` and attaches the audio ones (``attach(paths)``); ``refused(text)`` hears the
    words for everything it will not send."""

    def __init__(
        self,
        threads_state: DropTarget,
        view: MessageListView,
        attach: Callable[[list[Path]], None],
        refused: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._threads = threads_state
        self._view = view
        self._attach = attach
        self._refused = refused
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)
        view.viewport().setAcceptDrops(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not isinstance(event, QDropEvent | QDragLeaveEvent):
            return False
        if isinstance(event, QDropEvent) and kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self._dropped_files(event):
                event.acceptProposedAction()
                thread = self._threads.current_thread
                self._view.set_drop_hint(
                    True,
                    f"Drop to attach to a message for {thread.name}"
                    if thread is not None
                    else "Open a thread first — files dropped here are sent to it",
                )
                return True
        elif kind == QEvent.Type.DragLeave:
            self._view.set_drop_hint(False)
        elif isinstance(event, QDropEvent) and kind == QEvent.Type.Drop:
            self._view.set_drop_hint(False)
            files = self._dropped_files(event)
            if files:
                event.acceptProposedAction()
                self.drop_files(files)
                return True
        return False

    @staticmethod
    def _dropped_files(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        files = local_files(event.mimeData())
        return [] if pattern_files_only(files) else files

    def drop_files(self, files: list[Path]) -> None:
        """Attach the audio files (Send posts them); anything else is refused in words."""
        if not self._threads.current_thread_id:
            self._refused("Open a thread, then drop audio files on it to send them.")
            return
        sendable = [path for path in files if is_sendable(path)]
        for path in files:
            if not is_sendable(path):
                self._refused(refusal(path))
        if sendable:
            self._attach(sendable)
