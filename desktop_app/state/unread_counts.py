"""How many of others' messages each thread holds unread, and which threads are muted.

Kept apart from ``ThreadsState`` because the bookkeeping has its own reasons to change
(what counts as read, what is notified) that have nothing to do with loading threads or
sending. With a local store the counts live there (and survive a restart); without one
they are counted here, each message once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.message import Message
from desktop_app.state.open_thread import OpenThread
from desktop_app.state.threads_ports import ThreadsContext


class UnreadCounts(QObject):
    """``UnreadCounts(context, open_thread)``: ``changed`` when the counts
    or the muted threads changed; ``arrived(message)`` for another's new message in a
    thread not open and not muted (for a notification)."""

    changed = Signal()
    arrived = Signal(object)

    def __init__(
        self, context: ThreadsContext, open_thread: OpenThread, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = context
        self._open = open_thread
        self._unread: dict[str, int] = {}
        self._unread_ids: set[str] = set()  # without a store: what was counted already
        self._muted: set[str] = set()

    def load(self) -> None:
        """The counts and muted threads saved by earlier runs."""
        if self._ctx.store is not None:
            self._ctx.submit(self._ctx.store.unread_counts, on_done=self._on_unread_counts)
            self._ctx.submit(self._ctx.store.muted_threads, on_done=self._on_muted)

    def count(self, thread_id: str) -> int:
        return self._unread.get(thread_id, 0)

    def is_muted(self, thread_id: str) -> bool:
        return thread_id in self._muted

    def set_muted(self, thread_id: str, muted: bool) -> None:
        """No notifications from this thread (its unread count still shows)."""
        if muted:
            self._muted.add(thread_id)
        else:
            self._muted.discard(thread_id)
        self.changed.emit()
        if self._ctx.store is not None:
            self._ctx.submit(self._ctx.store.set_muted, thread_id, muted)

    def pushed(self, message: Message, before: Message | None) -> None:
        """A message the server pushed (``before``: the open thread's copy of it, if any).
        Someone else's new message in a thread not open is unread; the store keeps every
        changed message for an offline start."""
        mine = message.user_id == self._ctx.user_id
        unread = not mine and message.parent_thread != self._open.thread_id
        if self._ctx.store is None:
            if unread and message.id not in self._unread_ids:
                self._unread_ids.add(message.id)
                self._count(message)
        elif unread or before != message:
            store = self._ctx.store
            self._ctx.submit(
                lambda: store.arrived(message, unread=unread),
                on_done=lambda new: self._count(message) if new and unread else None,
            )

    def _count(self, message: Message) -> None:
        thread_id = message.parent_thread
        if thread_id == self._open.thread_id:
            return  # opened meanwhile: read
        self._unread[thread_id] = self._unread.get(thread_id, 0) + 1
        self.changed.emit()
        if thread_id not in self._muted:
            self.arrived.emit(message)

    def _on_unread_counts(self, counts: dict[str, int]) -> None:
        counts.pop(self._open.thread_id, None)
        self._unread = counts
        self.changed.emit()

    def _on_muted(self, muted: set[str]) -> None:
        self._muted = muted
        self.changed.emit()

    def mark_read(self, thread_id: str) -> None:
        """The thread was opened: its count goes, and the "New" divider marks where the
        unread began."""
        if self._unread.pop(thread_id, None):
            self.changed.emit()
        if self._ctx.store is None:
            return

        def divider(first: str | None) -> None:
            if first and self._open.thread_id == thread_id:
                self._open.model.set_first_unread(first)

        self._ctx.submit(self._ctx.store.mark_read, thread_id, on_done=divider)
