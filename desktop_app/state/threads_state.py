"""Threads, the open thread's messages and the connection, as the UI binds to them.

Everything slow (HTTP, SQLite) runs through ``TaskRunner``, with this state as the
callbacks' context: a state closed with its session simply never hears back. The local
store is read first so the app shows the last seen threads and messages at once (and with
no network at all), then the server's answer replaces them. ``ConnectionStatus`` says in
words whether the server answers; a failure never erases what is shown.

Sending goes to the ``Sender`` (the server session): it shows outgoing messages through
``upsert_message`` / ``remove_message`` and reports queued threads back here.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.draft import MAX_TEXT, Take, draft_with_take, draft_with_text
from desktop_app.domain.message import Message, Thread, utc_now_iso
from desktop_app.services.api import NotFoundError
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.connection_status import CONNECTED, OFFLINE, RETRY_DELAYS, ConnectionStatus
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.open_thread import OpenThread
from desktop_app.state.threads_ports import Sender, ThreadsApi, ThreadsStore

log = logging.getLogger(__name__)

__all__ = ["CONNECTED", "OFFLINE", "Sender", "ThreadsState"]


class ThreadsState(QObject):
    """``ThreadsState(api, tasks, user_id, local_store=None, parent=None, sender=None)``:
    ``local_store`` for starting offline; without a ``sender`` nothing can be sent and
    threads are created on the server directly."""

    threadsChanged = Signal()
    threadCreated = Signal(str)
    currentThreadChanged = Signal(str)
    loadingChanged = Signal(bool)
    connectionChanged = Signal(str)
    error = Signal(str)  # a human sentence for a failed action
    # message id, "queued" | "waiting" (for the server) | "sent" | "failed": the outbox's
    # word on each message this client sends, for whoever reports on a send (the transport).
    sendStatus = Signal(str, str)
    unreadChanged = Signal()  # the unread counts or the muted threads changed
    # Another's new message in a thread not open (and not muted): for a notification.
    messageArrived = Signal(object)

    def __init__(
        self,
        api: ThreadsApi,
        tasks: TaskRunner,
        user_id: str,
        local_store: ThreadsStore | None = None,
        parent: QObject | None = None,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        sender: Sender | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._tasks = tasks
        self._user_id = user_id
        self._store = local_store
        self._threads: list[Thread] = []
        self._threads_from_server = False
        self._threads_fetching = False
        self._threads_again = False
        self._status = ConnectionStatus(
            lambda: self._store is not None and bool(self._threads), retry_delays, self
        )
        self._status.changed.connect(self.connectionChanged)
        self._status.error.connect(self.error)
        self._status.retryDue.connect(self.reconnect_now)
        self._open = OpenThread(
            api,
            local_store,
            user_id,
            self._submit,
            self._set_connected,
            self._status,
            self.is_pending,
            self,
        )
        self._open.opened.connect(self.currentThreadChanged)
        self._open.loadingChanged.connect(self.loadingChanged)
        self._sender = sender
        # Threads made here that the server does not have yet (queued in the outbox under
        # the id the server will keep): listed, openable and sendable-to like any other.
        self._pending_threads: dict[str, Thread] = {}
        self._closed = False
        self._unread: dict[str, int] = {}
        self._unread_ids: set[str] = set()  # without a store: what was counted already
        self._muted: set[str] = set()

    def _submit(self, fn: Callable[..., Any], *args: Any, **callbacks: Any) -> None:
        """Background work (none once closed); answers die with the state."""
        if not self._closed:
            self._tasks.submit(fn, *args, context=self, **callbacks)

    def close(self) -> None:
        """Stop every timer: nothing more goes out from here (answers still in flight
        are dropped once the state is deleted)."""
        self._closed = True
        self._open.stop_polling()
        self._status.stop()

    # ---- properties --------------------------------------------------------------------
    @property
    def user_id(self) -> str:
        return self._user_id

    @property
    def threads(self) -> list[Thread]:
        """Most recently updated first."""
        return list(self._threads)

    def thread_by_id(self, thread_id: str) -> Thread | None:
        return next((t for t in self._threads if t.id == thread_id), None)

    @property
    def current_thread_id(self) -> str:
        return self._open.thread_id

    @property
    def current_thread(self) -> Thread | None:
        return self.thread_by_id(self._open.thread_id)

    @property
    def messages(self) -> MessageListModel:
        """The open thread's messages (one model for the lifetime of the state)."""
        return self._open.model

    @property
    def loading(self) -> bool:
        return self._open.loading

    @property
    def connection(self) -> str:
        """``connected``, ``offline`` or ``reconnecting``."""
        return self._status.state

    @property
    def connection_text(self) -> str:
        return self._status.text

    @property
    def is_connected(self) -> bool:
        return self._status.is_connected

    # ---- threads -------------------------------------------------------------------------
    def start(self) -> None:
        """Show the cached threads, then ask the server."""
        if self._store is not None:
            self._submit(self._store.list_threads, on_done=self._on_local_threads)
            self._submit(self._store.unread_counts, on_done=self._on_unread_counts)
            self._submit(self._store.muted_threads, on_done=self._on_muted)
        self.refresh_threads()
        if self._sender is not None:
            self._sender.resume()  # resume what a previous run left in the outbox

    def refresh_threads(self) -> None:
        """Ask the server for the thread list. Asked again while a request is in flight,
        it asks once more when that one is back: its answer may predate the change that
        prompted the new request."""
        if self._threads_fetching:
            self._threads_again = True
            return
        self._threads_again = False
        self._threads_fetching = True
        store = self._store

        def work() -> list[Thread]:
            threads = self._api.list_threads()
            if store is not None:
                store.replace_threads(threads)
            return threads

        def failed(exc: BaseException) -> None:
            self._threads_fetching = False
            self._status.failed(exc, "load the threads")

        self._submit(work, on_done=self._on_server_threads, on_error=failed)

    def _on_local_threads(self, threads: list[Thread]) -> None:
        if not self._threads_from_server and threads:
            known = {t.id for t in threads}
            self._set_threads(threads + [t for t in self._threads if t.id not in known])

    def _on_server_threads(self, threads: list[Thread]) -> None:
        self._threads_fetching = False
        self._set_connected()
        self._threads_from_server = True
        listed = {t.id for t in threads}
        for thread_id in [tid for tid in self._pending_threads if tid in listed]:
            self._thread_now_on_server(thread_id)
        self._set_threads(threads + [t for t in self._pending_threads.values()])
        if self._threads_again:
            self.refresh_threads()

    def _set_threads(self, threads: list[Thread]) -> None:
        self._threads = sorted(threads, key=lambda t: t.updated_at or t.created_at, reverse=True)
        self.threadsChanged.emit()
        self._status.saved_changed()  # saved threads may show now
        if self._open.thread_id:
            self.currentThreadChanged.emit(self._open.thread_id)  # its name may have changed

    def _put_thread(self, thread: Thread) -> None:
        others = [t for t in self._threads if t.id != thread.id]
        self._set_threads([thread, *others])
        if self._store is not None:
            self._submit(self._store.upsert_threads, [thread])

    def create_thread(self, name: str) -> None:
        """Create a thread. With a send queue it is queued under its final id and listed
        (``threadCreated(id)``) at once — online or not — and the server gets it now or
        when it is back; without one, ``threadCreated`` follows the server's answer."""
        name = name.strip()
        if not name:
            self.error.emit("A thread needs a name.")
            return
        users = (self._user_id,) if self._user_id else ()
        if self._sender is not None:
            try:
                thread = self._sender.create_thread(name, users)
            except (OSError, sqlite3.Error) as exc:
                log.error("could not queue the thread %r", name, exc_info=exc)
                self.error.emit(f"Could not create the thread “{name}”: {exc}")
                return
            log.info("thread %s (%s) queued for the server", thread.id, name)
            self._pending_threads[thread.id] = thread
            self._put_thread(thread)
            self.threadCreated.emit(thread.id)
            return

        self._submit(
            self._api.create_thread,
            name,
            users,
            on_done=self._thread_made,
            on_error=lambda e: self._status.failed(e, f"create the thread “{name}”"),
        )

    def create_private_thread(self, name: str, members: tuple[str, ...]) -> None:
        """A thread only ``members`` (and this user) see. Made online only: a private
        thread's members are checked by the server, so it is never queued."""
        name = name.strip()
        if not name:
            self.error.emit("A thread needs a name.")
            return

        self._submit(
            self._api.create_private_thread,
            name,
            members,
            on_done=self._thread_made,
            on_error=lambda e: self._status.failed(e, f"create the private thread “{name}”"),
        )

    def _thread_made(self, thread: Thread) -> None:
        """The server made a thread this user asked for: listed, and opened by the window."""
        self._set_connected()
        self._put_thread(thread)
        self.threadCreated.emit(thread.id)

    def load_users(self, on_done: Callable[[list[str]], None]) -> None:
        """The server's user names, answered on the GUI thread (errors go to ``error``)."""
        self._submit(
            self._api.list_users,
            on_done=on_done,
            on_error=lambda e: self._status.failed(e, "list the server's users"),
        )

    def is_pending(self, thread_id: str) -> bool:
        """The thread was made here and the server does not have it yet."""
        return thread_id in self._pending_threads

    def threads_queued(self, threads: list[Thread]) -> None:
        """Queued threads found in the outbox at start (made offline in an earlier run)."""
        for thread in threads:
            self._pending_threads.setdefault(thread.id, thread)
            if self.thread_by_id(thread.id) is None:
                self._put_thread(thread)

    def thread_delivered(self, thread: Thread) -> None:
        """The server created a queued thread (same id): keep its copy of it."""
        self._thread_now_on_server(thread.id)
        self._put_thread(thread)

    def thread_has_message_on_server(self, thread_id: str) -> None:
        """A message was delivered into a queued thread, which its delivery created."""
        if thread_id in self._pending_threads:
            self._thread_now_on_server(thread_id)
            self.refresh_threads()

    def thread_refused(self, thread_id: str, reason: str) -> None:
        thread = self._pending_threads.pop(thread_id, None)
        name = thread.name if thread is not None else thread_id
        self._threads = [t for t in self._threads if t.id != thread_id]
        self._set_threads(self._threads)
        if self._store is not None:
            self._submit(self._store.delete_thread, thread_id)
        if self._open.thread_id == thread_id:
            self.close_thread()
        self.error.emit(f"The server refused the new thread “{name}”: {reason}")

    def _thread_now_on_server(self, thread_id: str) -> None:
        if self._pending_threads.pop(thread_id, None) is None:
            return
        log.info("thread %s now exists on the server", thread_id)
        if thread_id == self._open.thread_id:
            self._open.fetch(full=True)

    def rename_thread(self, thread_id: str, name: str) -> None:
        name = name.strip()
        old = self.thread_by_id(thread_id)
        if not name:
            self.error.emit("A thread needs a name.")
            return
        if old is not None and old.name == name:
            return
        if thread_id in self._pending_threads and self._sender is not None:
            # Not on the server yet: the queued thread takes the new name with it.
            renamed = self._sender.rename_pending_thread(thread_id, name)
            if renamed is not None:
                self._pending_threads[thread_id] = renamed
                self._put_thread(renamed)
                return

        def done(thread: Thread) -> None:
            self._set_connected()
            self._put_thread(thread)

        self._submit(
            self._api.rename_thread,
            thread_id,
            name,
            on_done=done,
            on_error=lambda e: self._status.failed(e, f"rename the thread to “{name}”"),
        )

    # ---- the open thread -----------------------------------------------------------------
    def open_thread(self, thread_id: str) -> None:
        """Show a thread: cached messages at once, then the server's full list. Opening
        it reads it: its count goes, the "New" divider marks where the unread began."""
        if not self._open.open(thread_id) or not thread_id:
            return
        self._mark_read(thread_id)
        if self._sender is not None:
            self._sender.show_thread(thread_id)
        self._open.fetch(full=True)

    def close_thread(self) -> None:
        self.open_thread("")

    def refresh_messages(self) -> None:
        """Ask the server what changed in the open thread since the last answer (polling)."""
        self._open.refresh()

    # ---- rows, for the send flow and polling ----------------------------------------
    def upsert_message(self, message: Message, *, pending: bool = False, **row: Any) -> None:
        """Show a message (or change its send state) if it belongs to the open thread; a
        message the server has (not ``pending``) is also written to the local cache.
        ``row``: the rest of its send state (``upload_progress``, ``upload_error``, and
        ``take``, the queued recording that plays from the outbox until the render is
        attached) — see ``MessageListModel.upsert_message``."""
        before = self._open.model.message(message.id)
        self._open.show(message, pending=pending, **row)
        if self._store is not None and not pending and before != message:
            self._submit(self._store.upsert_messages, [message])
        self._touch_thread(message.parent_thread, message.timestamp)

    def remove_message(self, message_id: str) -> None:
        self._open.model.remove_message(message_id)
        if self._store is not None:
            self._submit(self._store.delete_messages, [message_id])

    def _touch_thread(self, thread_id: str, when: str) -> None:
        """A new message moves its thread to the top of the list."""
        thread = self.thread_by_id(thread_id)
        when = when or utc_now_iso()
        if thread is not None and when > (thread.updated_at or ""):
            self._threads = [t for t in self._threads if t.id != thread_id]
            self._set_threads([replace(thread, updated_at=when), *self._threads])

    # ---- connection ------------------------------------------------------------------
    def reconnect_now(self) -> None:
        """Try the server now (also what the retry timer calls)."""
        self._status.reconnecting()
        self._submit(
            self._api.health,
            on_done=lambda _h: self._on_reconnected(),
            on_error=lambda e: self._status.failed(e, "reach the server"),
        )

    def server_answered(self) -> None:
        """Something else (the send queue delivering a message) got an answer from the
        server: if this state still says "Offline … retrying in N s", the server is back
        now, not at the next retry."""
        if not self.is_connected:
            self._on_reconnected()

    def _on_reconnected(self) -> None:
        self._set_connected()
        if self._sender is not None:
            self._sender.network_back()
        self.refresh_threads()
        if self._open.thread_id:
            self._open.fetch(full=True)

    def _set_connected(self) -> None:
        if not self._status.is_connected and self._sender is not None:
            self._sender.network_back()
        self._status.connected()

    # ---- sending (the seed's sendMessageFromSequencer) -------------------------------
    @property
    def can_send(self) -> bool:
        return self._sender is not None

    def send_message_from_sequencer(
        self,
        snapshot: dict[str, Any],
        take: Take | None = None,
        *,
        text: str = "",
        reply_to: str = "",
    ) -> str:
        """Post the pattern (and the take, a ``RecordingResult``, and words) to the open
        thread: it is in the list at once, pending; the session does the rest. Returns
        its id."""
        sender = self._sending_to()
        return sender.send(
            draft_with_take(
                self._open.thread_id, self._user_id, snapshot, take,
                text=_checked_text(text), reply_to=reply_to,
            )
        )  # fmt: skip

    def send_text(self, text: str, reply_to: str = "") -> str:
        """Words only (no pattern): through the outbox like any other message."""
        sender = self._sending_to()
        words = _checked_text(text)
        if not words:
            raise ValueError("nothing to send")
        return sender.send(draft_with_text(self._open.thread_id, self._user_id, words, reply_to))

    def _sending_to(self) -> Sender:
        if self._sender is None:
            raise RuntimeError("this ThreadsState was built without a sender")
        if not self._open.thread_id:
            raise RuntimeError("no thread is open")
        return self._sender

    def send_audio_file(self, path: str | Path, snapshot: dict[str, Any] | None = None) -> None:
        """A dropped audio file: MP3 as is, WAV encoded first (on a worker)."""
        if self._sender is None or not self._open.thread_id:
            self.error.emit("Open a thread to drop audio into it.")
            return
        self._sender.send_file(self._open.thread_id, Path(path), snapshot)

    def retry_message(self, message_id: str) -> None:
        if self._sender is not None:
            self._sender.retry(message_id)

    def is_deletable(self, message_id: str) -> bool:
        message = self._open.model.message(message_id)
        return message is not None and message.user_id == self._user_id

    def delete_message(self, message_id: str) -> None:
        """Delete one's own message: the row goes at once; the server removes the message
        and its files. A message still in the outbox is taken out of it too."""
        message = self._open.model.message(message_id)
        if message is None or not self.is_deletable(message_id):
            return
        if self._sender is not None:
            self._sender.cancel(message_id)
        self.remove_message(message_id)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, NotFoundError):
                return  # never reached the server, or already gone: nothing to undo
            self._status.failed(exc, "delete the message")
            if message.parent_thread == self._open.thread_id:
                self.upsert_message(message)  # put it back: it still exists

        self._submit(self._api.delete_message, message_id, on_done=lambda _r: None, on_error=failed)

    # ---- pushed changes (the server's events) -------------------------------------------
    def message_pushed(self, message: Message) -> None:
        """Another client's message (or a render attached): the open thread shows it, the
        cache keeps it for an offline start, its thread moves up. Someone else's new
        message in a thread not open is unread (and may be notified)."""
        if self._closed:
            return
        before = self._open.model.message(message.id)
        self._open.pushed(message)
        self._touch_thread(message.parent_thread, message.timestamp)
        unread = message.user_id != self._user_id and message.parent_thread != self._open.thread_id
        if self._store is None:
            if unread and message.id not in self._unread_ids:
                self._unread_ids.add(message.id)
                self._count_unread(message)
        elif unread or before != message:
            store = self._store
            self._submit(
                lambda: store.arrived(message, unread=unread),
                on_done=lambda new: self._count_unread(message) if new and unread else None,
            )

    def _count_unread(self, message: Message) -> None:
        thread_id = message.parent_thread
        if thread_id == self._open.thread_id:
            return  # opened meanwhile: read
        self._unread[thread_id] = self._unread.get(thread_id, 0) + 1
        self.unreadChanged.emit()
        if thread_id not in self._muted:
            self.messageArrived.emit(message)

    def _on_unread_counts(self, counts: dict[str, int]) -> None:
        counts.pop(self._open.thread_id, None)
        self._unread = counts
        self.unreadChanged.emit()

    def _on_muted(self, muted: set[str]) -> None:
        self._muted = muted
        self.unreadChanged.emit()

    def _mark_read(self, thread_id: str) -> None:
        if self._unread.pop(thread_id, None):
            self.unreadChanged.emit()
        if self._store is None:
            return

        def divider(first: str | None) -> None:
            if first and self._open.thread_id == thread_id:
                self._open.model.set_first_unread(first)

        self._submit(self._store.mark_read, thread_id, on_done=divider)

    def unread_count(self, thread_id: str) -> int:
        return self._unread.get(thread_id, 0)

    def is_muted(self, thread_id: str) -> bool:
        return thread_id in self._muted

    def set_muted(self, thread_id: str, muted: bool) -> None:
        """No notifications from this thread (its unread count still shows)."""
        if muted:
            self._muted.add(thread_id)
        else:
            self._muted.discard(thread_id)
        self.unreadChanged.emit()
        if self._store is not None:
            self._submit(self._store.set_muted, thread_id, muted)

    def message_deleted(self, message_id: str) -> None:
        if not self._closed:
            self.remove_message(message_id)

    def thread_pushed(self, thread: Thread) -> None:
        """A thread made or renamed elsewhere."""
        if not self._closed:
            self._put_thread(thread)

    def reload(self) -> None:
        """The server's events cannot replay what this client missed (a ``reset``):
        the threads and the open thread's messages again, in full."""
        if not self._closed:
            self.refresh_threads()
            if self._open.thread_id:
                self._open.fetch(full=True)

    def set_pushed(self, pushed: bool) -> None:
        """The server's events are flowing (True): the open thread polls only slowly."""
        self._open.set_pushed(pushed)

    # ---- live sync -------------------------------------------------------------------
    def start_live_sync(self) -> None:
        """Poll the open thread for others' messages, renders and deletions."""
        self._open.start_polling()

    def stop_live_sync(self) -> None:
        self._open.stop_polling()

    @property
    def poll_interval_ms(self) -> int:
        return self._open.poll_interval_ms


def _checked_text(text: str) -> str:
    """Words as sent: trimmed; more than the server takes is refused here, in words."""
    words = text.strip()
    if len(words) > MAX_TEXT:
        raise ValueError(f"A message holds at most {MAX_TEXT:,} characters ({len(words):,} typed)")
    return words
