"""Which of others' messages each thread holds unread, and which threads are muted.

Kept apart from ``ThreadsState`` because the bookkeeping has its own reasons to change
(what counts as read, what is notified) that have nothing to do with loading threads or
sending. One source of truth: the set of unread message ids per thread, never a running
number. A count is the size of that set, so a message counts once however often the
server pushes it (a replay after ``Last-Event-ID``, a render attached, a poll), and a
deleted message leaves the set — and the count — at once. With a local store the set
lives there too (the store is what the next start reads), without one only here.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.message import Message
from desktop_app.state.message_fetch import Fetched, fetch_and_keep
from desktop_app.state.open_thread import OpenThread
from desktop_app.state.threads_ports import ThreadsContext

log = logging.getLogger(__name__)

SortKey = tuple[str, str, str]


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
        self._unread: dict[str, dict[str, SortKey]] = {}  # thread id → message id → order
        self._seen: set[str] = set()  # without a store: every message already counted
        self._muted: set[str] = set()

    def load(self) -> None:
        """The unread messages and muted threads saved by earlier runs."""
        if self._ctx.store is not None:
            self._ctx.submit(self._ctx.store.unread_messages, on_done=self._on_unread)
            self._ctx.submit(self._ctx.store.muted_threads, on_done=self._on_muted)

    def count(self, thread_id: str) -> int:
        return len(self._unread.get(thread_id, ()))

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
        Someone else's message new to this client, in a thread not open, is unread; the
        store keeps every changed message for an offline start."""
        mine = message.user_id == self._ctx.user_id
        unread = not mine and message.parent_thread != self._open.thread_id
        if self._ctx.store is None:
            if unread and message.id not in self._seen:
                self._seen.add(message.id)
                self._add(message)
        elif unread or before != message:
            store = self._ctx.store
            self._ctx.submit(
                lambda: store.arrived(message, unread=unread),
                on_done=lambda new: self._add(message) if new and unread else None,
            )

    def removed(self, message_id: str) -> None:
        """The message is gone (deleted on the server, or one's own taken back): it is
        no longer unread anywhere. The store forgets it with the message itself."""
        for thread_id, ids in self._unread.items():
            if ids.pop(message_id, None) is not None:  # ids are unique: one thread holds it
                if not ids:
                    del self._unread[thread_id]
                self.changed.emit()
                return

    def verify(self) -> None:
        """The server could not replay what this client missed (a ``reset``): deletions
        of unread messages may be among it. Each thread still holding unread messages is
        asked for its whole list, and what is no longer in it stops counting."""
        api, store = self._ctx.api, self._ctx.store
        for thread_id in list(self._unread):
            if thread_id == self._open.thread_id:
                continue
            self._ctx.submit(
                lambda t=thread_id: fetch_and_keep(api, store, t, None),
                on_done=self._on_verified,
                on_error=lambda e: log.info("could not check the unread messages: %s", e),
            )

    def _on_verified(self, fetched: Fetched) -> None:
        there = {m.id for m in fetched.messages}
        ids = self._unread.get(fetched.thread_id, {})
        gone = [message_id for message_id in ids if message_id not in there]
        for message_id in gone:
            del ids[message_id]
        if not ids:
            self._unread.pop(fetched.thread_id, None)
        if gone:
            self.changed.emit()

    def _add(self, message: Message) -> None:
        thread_id = message.parent_thread
        if thread_id == self._open.thread_id:
            # Opened while the store was writing it down: read, here and there.
            if self._ctx.store is not None:
                self._ctx.submit(self._ctx.store.mark_read, thread_id)
            return
        ids = self._unread.setdefault(thread_id, {})
        if message.id in ids:
            return
        ids[message.id] = message.sort_key
        self.changed.emit()
        if thread_id not in self._muted:
            self.arrived.emit(message)

    def _on_unread(self, unread: dict[str, dict[str, SortKey]]) -> None:
        unread.pop(self._open.thread_id, None)
        self._unread = unread
        self.changed.emit()

    def _on_muted(self, muted: set[str]) -> None:
        self._muted = muted
        self.changed.emit()

    def mark_read(self, thread_id: str) -> None:
        """The thread was opened: its count goes, and the "New" divider goes above the
        first of the messages that were unread — the same ones the count counted."""
        ids = self._unread.pop(thread_id, None)
        if ids:
            self._open.model.set_first_unread(min(ids, key=lambda mid: ids[mid]))
            self.changed.emit()
        if self._ctx.store is None:
            return

        def divider(first: str | None) -> None:
            # Opened before the saved unread messages were read back (at start): the
            # store still knew where they began.
            if not ids and first and self._open.thread_id == thread_id:
                self._open.model.set_first_unread(first)

        self._ctx.submit(self._ctx.store.mark_read, thread_id, on_done=divider)
