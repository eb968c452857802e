"""The thread list: the cached one at once, then the server's, and the threads made here
that the server does not have yet.

Kept apart from ``ThreadsState`` because the list changes for reasons of its own — how
threads are made, renamed, queued while offline and reconciled with the server's answer —
while the state around it binds the open thread, the connection and sending for the UI.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.message import Thread, utc_now_iso
from desktop_app.state.threads_ports import ThreadsContext

log = logging.getLogger(__name__)


class ThreadCatalog(QObject):
    """``ThreadCatalog(context)``: ``changed`` after every change of the list;
    ``created(id)`` for a thread this user made (listed, for the window to open);
    ``onServer(id)`` when a queued thread now exists on the server (its messages can be
    fetched); ``error(sentence)``."""

    changed = Signal()
    created = Signal(str)
    onServer = Signal(str)
    error = Signal(str)

    def __init__(self, context: ThreadsContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = context
        self.threads: list[Thread] = []  # most recently updated first
        self._from_server = False
        self._fetching = False
        self._again = False
        # Threads made here that the server does not have yet (queued in the outbox under
        # the id the server will keep): listed, openable and sendable-to like any other.
        self._pending: dict[str, Thread] = {}

    def by_id(self, thread_id: str) -> Thread | None:
        return next((t for t in self.threads if t.id == thread_id), None)

    # ---- the server's list ---------------------------------------------------------------
    def load_cached(self) -> None:
        if self._ctx.store is not None:
            self._ctx.submit(self._ctx.store.list_threads, on_done=self._on_local_threads)

    def refresh(self) -> None:
        """Ask the server for the thread list. Asked again while a request is in flight,
        it asks once more when that one is back: its answer may predate the change that
        prompted the new request."""
        if self._fetching:
            self._again = True
            return
        self._again = False
        self._fetching = True
        store = self._ctx.store

        def work() -> list[Thread]:
            threads = self._ctx.api.list_threads()
            if store is not None:
                store.replace_threads(threads)
            return threads

        def failed(exc: BaseException) -> None:
            self._fetching = False
            self._ctx.status.failed(exc, "load the threads")

        self._ctx.submit(work, on_done=self._on_server_threads, on_error=failed)

    def _on_local_threads(self, threads: list[Thread]) -> None:
        if not self._from_server and threads:
            known = {t.id for t in threads}
            self._set_threads(threads + [t for t in self.threads if t.id not in known])

    def _on_server_threads(self, threads: list[Thread]) -> None:
        self._fetching = False
        self._ctx.answered()
        self._from_server = True
        listed = {t.id for t in threads}
        for thread_id in [tid for tid in self._pending if tid in listed]:
            self._now_on_server(thread_id)
        self._set_threads(threads + [t for t in self._pending.values()])
        if self._again:
            self.refresh()

    def _set_threads(self, threads: list[Thread]) -> None:
        self.threads = sorted(threads, key=lambda t: t.updated_at or t.created_at, reverse=True)
        self.changed.emit()

    def put(self, thread: Thread) -> None:
        """A new or changed thread: listed first, and kept for an offline start."""
        others = [t for t in self.threads if t.id != thread.id]
        self._set_threads([thread, *others])
        if self._ctx.store is not None:
            self._ctx.submit(self._ctx.store.upsert_threads, [thread])

    def touch(self, thread_id: str, when: str) -> None:
        """A new message moves its thread to the top of the list."""
        thread = self.by_id(thread_id)
        when = when or utc_now_iso()
        if thread is not None and when > (thread.updated_at or ""):
            others = [t for t in self.threads if t.id != thread_id]
            self._set_threads([replace(thread, updated_at=when), *others])

    # ---- making and renaming -------------------------------------------------------------
    def _named(self, name: str) -> str:
        """The name as kept ("" and an ``error`` if there is none)."""
        name = name.strip()
        if not name:
            self.error.emit("A thread needs a name.")
        return name

    def create(self, name: str) -> None:
        """Create a thread. With a send queue it is queued under its final id and listed
        (``created(id)``) at once — online or not — and the server gets it now or
        when it is back; without one, ``created`` follows the server's answer."""
        name = self._named(name)
        if not name:
            return
        users = (self._ctx.user_id,) if self._ctx.user_id else ()
        if self._ctx.sender is not None:
            try:
                thread = self._ctx.sender.create_thread(name, users)
            except (OSError, sqlite3.Error) as exc:
                log.error("could not queue the thread %r", name, exc_info=exc)
                self.error.emit(f"Could not create the thread “{name}”: {exc}")
                return
            log.info("thread %s (%s) queued for the server", thread.id, name)
            self._pending[thread.id] = thread
            self.put(thread)
            self.created.emit(thread.id)
            return

        self._ctx.ask(
            f"create the thread “{name}”",
            self._ctx.api.create_thread,
            name,
            users,
            on_done=self._made,
        )

    def create_private(self, name: str, members: tuple[str, ...]) -> None:
        """A thread only ``members`` (and this user) see. Made online only: a private
        thread's members are checked by the server, so it is never queued."""
        name = self._named(name)
        if not name:
            return
        doing = f"create the private thread “{name}”"
        # The maker is a member by name too: the server adds a user's token itself, but
        # not a shared one's (the embedded server's owner), whose thread then listed only
        # the others as its members.
        own = self._ctx.user_id
        if own and own not in members:
            members = (own, *members)
        self._ctx.ask(doing, self._ctx.api.create_private_thread, name, members, on_done=self._made)

    def _made(self, thread: Thread) -> None:
        """The server made a thread this user asked for: listed, and opened by the window."""
        self._ctx.answered()
        self.put(thread)
        self.created.emit(thread.id)

    def rename(self, thread_id: str, name: str) -> None:
        old = self.by_id(thread_id)
        name = self._named(name)
        if not name or (old is not None and old.name == name):
            return
        if thread_id in self._pending and self._ctx.sender is not None:
            # Not on the server yet: the queued thread takes the new name with it.
            renamed = self._ctx.sender.rename_pending_thread(thread_id, name)
            if renamed is not None:
                self._pending[thread_id] = renamed
                self.put(renamed)
                return

        def done(thread: Thread) -> None:
            self._ctx.answered()
            self.put(thread)

        doing = f"rename the thread to “{name}”"
        self._ctx.ask(doing, self._ctx.api.rename_thread, thread_id, name, on_done=done)

    # ---- threads queued for the server ---------------------------------------------------
    def is_pending(self, thread_id: str) -> bool:
        """The thread was made here and the server does not have it yet."""
        return thread_id in self._pending

    def queued(self, threads: list[Thread]) -> None:
        """Queued threads found in the outbox at start (made offline in an earlier run)."""
        for thread in threads:
            self._pending.setdefault(thread.id, thread)
            if self.by_id(thread.id) is None:
                self.put(thread)

    def delivered(self, thread: Thread) -> None:
        """The server created a queued thread (same id): keep its copy of it."""
        self._now_on_server(thread.id)
        self.put(thread)

    def has_message_on_server(self, thread_id: str) -> None:
        """A message was delivered into a queued thread, which its delivery created."""
        if thread_id in self._pending:
            self._now_on_server(thread_id)
            self.refresh()

    def refused(self, thread_id: str) -> str:
        """The server refused a queued thread: it goes. Returns its name."""
        thread = self._pending.pop(thread_id, None)
        self._set_threads([t for t in self.threads if t.id != thread_id])
        if self._ctx.store is not None:
            self._ctx.submit(self._ctx.store.delete_thread, thread_id)
        return thread.name if thread is not None else thread_id

    def _now_on_server(self, thread_id: str) -> None:
        if self._pending.pop(thread_id, None) is None:
            return
        log.info("thread %s now exists on the server", thread_id)
        self.onServer.emit(thread_id)
