"""Threads, the open thread's messages and the connection, as the UI binds to them.

Everything slow (HTTP, SQLite) runs through ``TaskRunner``; results come back on the GUI
thread and are applied here. The local store is read first so the app shows the last seen
threads and messages at once (and with no network at all), then the server's answer
replaces them. A connection failure never erases what is shown: the state goes offline,
says so in words, and retries with growing delays until the server answers again.

The send flow drives rows through ``upsert_message`` / ``remove_message``;
live polling calls ``refresh_messages``, which asks the server only for what changed since
the last cursor.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.domain.message import Message, Render, Thread, utc_now_iso
from desktop_app.services.api import ApiError, AuthError, NotFoundError, TransientApiError
from desktop_app.services.local_store import LocalStore
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.outbox_rows import OutboxRows
from desktop_app.state.send_queue import SendQueue

log = logging.getLogger(__name__)

CONNECTED = "connected"
OFFLINE = "offline"
RECONNECTING = "reconnecting"

PAGE_SIZE = 500
RETRY_DELAYS = (2.0, 5.0, 10.0, 20.0, 30.0)
# Live sync: poll the open thread's changes every second while something happens, a bit
# slower once it has been quiet for a while — either way others' messages show within 2 s.
# Offline, polling stops and the reconnect timer (RETRY_DELAYS) takes over.
POLL_ACTIVE_MS = 1000
POLL_IDLE_MS = 1500
IDLE_AFTER_POLLS = 30


@dataclass
class _Fetched:
    """A worker's answer for one thread: the messages to show and the ids to drop."""

    thread_id: str
    messages: list[Message]
    deleted: list[str]
    cursor: str | None
    full: bool  # asked for the whole thread
    restarted: bool = False  # the server answered with the whole thread (``reset``)

    @property
    def whole(self) -> bool:
        """``messages`` is the whole thread: anything else shown is gone."""
        return self.full or self.restarted


def _fetch_messages(
    api: Any, thread_id: str, since: str | None
) -> tuple[dict, set, str | None, bool]:
    """All pages after ``since``: messages by id (latest version wins), deleted ids, the
    new cursor, and whether the server restarted the thread (its ``reset``: the cursor was
    older than the deletions it remembers, so the answer is the whole thread instead)."""
    messages: dict[str, Message] = {}
    deleted: set[str] = set()
    cursor = since
    restarted = False
    while True:
        page = api.list_messages(thread_id, since=cursor, limit=PAGE_SIZE)
        if page.reset:
            messages.clear()
            deleted.clear()
            restarted = True
        for m in page.messages:
            messages[m.id] = m
            deleted.discard(m.id)
        for mid in page.deleted:
            messages.pop(mid, None)
            deleted.add(mid)
        if not page.more or not page.cursor or page.cursor == cursor:
            return messages, deleted, page.cursor or cursor, restarted
        cursor = page.cursor


class ThreadsState(QObject):
    """``ThreadsState(api, tasks, user_id, local_store=None, parent=None)``.

    ``api`` is an ``ApiClient`` (blocking, thread-safe); ``tasks`` a ``TaskRunner``;
    ``local_store`` an optional ``LocalStore`` for starting offline.
    """

    threadsChanged = Signal()
    threadCreated = Signal(str)
    currentThreadChanged = Signal(str)
    loadingChanged = Signal(bool)
    connectionChanged = Signal(str)
    error = Signal(str)  # a human sentence for a failed action
    # message id, "queued" | "waiting" (for the server) | "sent" | "failed": the outbox's
    # word on each message this client sends, for whoever reports on a send (the transport).
    sendStatus = Signal(str, str)

    def __init__(
        self,
        api: Any,
        tasks: TaskRunner,
        user_id: str,
        local_store: LocalStore | None = None,
        parent: QObject | None = None,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        send_queue: SendQueue | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._tasks = tasks
        self._user_id = user_id
        self._store = local_store
        self._threads: list[Thread] = []
        self._threads_from_server = False
        self._current_id = ""
        self._generation = 0  # bumps on every open_thread; stale answers are dropped
        self._server_loaded = False  # the open thread has had a server answer
        self._cursor: str | None = None
        self._fetching: set[tuple[int, bool]] = set()  # (generation, full) in flight
        self._threads_fetching = False
        self._threads_again = False
        self._loading = False
        self._model = MessageListModel(user_id, self)
        self._connection = CONNECTED
        self._connection_text = "Connecting…"
        self._retry_delays = tuple(retry_delays) or RETRY_DELAYS
        self._retry_index = 0
        self._offline_delay = self._retry_delays[0]
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.reconnect_now)
        self._poll_timer = QTimer(self)
        self._poll_timer.setSingleShot(True)
        self._poll_timer.timeout.connect(self._poll)
        self._quiet_polls = 0
        self._outbox_rows: OutboxRows | None = None
        # Threads made here that the server does not have yet (queued in the outbox under
        # the id the server will keep): listed, openable and sendable-to like any other.
        self._pending_threads: dict[str, Thread] = {}
        if send_queue is not None:
            self._outbox_rows = OutboxRows(self, send_queue, tasks)

    # ---- properties --------------------------------------------------------------------
    @property
    def user_id(self) -> str:
        return self._user_id

    @property
    def threads(self) -> list[Thread]:
        """Most recently updated first."""
        return list(self._threads)

    def thread(self, thread_id: str) -> Thread | None:
        return next((t for t in self._threads if t.id == thread_id), None)

    @property
    def current_thread_id(self) -> str:
        return self._current_id

    @property
    def current_thread(self) -> Thread | None:
        return self.thread(self._current_id)

    @property
    def messages(self) -> MessageListModel:
        """The open thread's messages (one model for the lifetime of the state)."""
        return self._model

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def connection(self) -> str:
        """``connected``, ``offline`` or ``reconnecting``."""
        return self._connection

    @property
    def connection_text(self) -> str:
        return self._connection_text

    @property
    def is_connected(self) -> bool:
        return self._connection == CONNECTED

    # ---- threads -------------------------------------------------------------------------
    def start(self) -> None:
        """Show the cached threads, then ask the server."""
        if self._store is not None:
            self._tasks.submit(self._store.list_threads, on_done=self._on_local_threads)
        self.refresh_threads()
        if self._outbox_rows is not None:
            self._outbox_rows.start()  # resume what a previous run left in the outbox

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
            self._on_api_error(exc, "load the threads")

        self._tasks.submit(work, on_done=self._on_server_threads, on_error=failed)

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
        if self._connection == OFFLINE and self._retry_timer.isActive():
            self._set_connection(OFFLINE, self._offline_text())  # saved threads may show now
        if self._current_id:
            self.currentThreadChanged.emit(self._current_id)  # its name may have changed

    def _put_thread(self, thread: Thread) -> None:
        others = [t for t in self._threads if t.id != thread.id]
        self._set_threads([thread, *others])
        if self._store is not None:
            self._tasks.submit(self._store.upsert_threads, [thread])

    def create_thread(self, name: str) -> None:
        """Create a thread. With a send queue it is queued under its final id and listed
        (``threadCreated(id)``) at once — online or not — and the server gets it now or
        when it is back; without one, ``threadCreated`` follows the server's answer."""
        name = name.strip()
        if not name:
            self.error.emit("A thread needs a name.")
            return
        users = (self._user_id,) if self._user_id else ()
        if self._outbox_rows is not None:
            try:
                thread = self._outbox_rows.create_thread(name, users)
            except (OSError, sqlite3.Error) as exc:
                log.error("could not queue the thread %r", name, exc_info=exc)
                self.error.emit(f"Could not create the thread “{name}”: {exc}")
                return
            log.info("thread %s (%s) queued for the server", thread.id, name)
            self._pending_threads[thread.id] = thread
            self._put_thread(thread)
            self.threadCreated.emit(thread.id)
            return

        def done(thread: Thread) -> None:
            self._set_connected()
            self._put_thread(thread)
            self.threadCreated.emit(thread.id)

        self._tasks.submit(
            self._api.create_thread,
            name,
            users,
            on_done=done,
            on_error=lambda e: self._on_api_error(e, f"create the thread “{name}”"),
        )

    def is_pending(self, thread_id: str) -> bool:
        """The thread was made here and the server does not have it yet."""
        return thread_id in self._pending_threads

    def threads_queued(self, threads: list[Thread]) -> None:
        """Queued threads found in the outbox at start (made offline in an earlier run)."""
        for thread in threads:
            self._pending_threads.setdefault(thread.id, thread)
            if self.thread(thread.id) is None:
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
            self._tasks.submit(self._store.delete_thread, thread_id)
        if self._current_id == thread_id:
            self.close_thread()
        self.error.emit(f"The server refused the new thread “{name}”: {reason}")

    def _thread_now_on_server(self, thread_id: str) -> None:
        if self._pending_threads.pop(thread_id, None) is None:
            return
        log.info("thread %s now exists on the server", thread_id)
        if thread_id == self._current_id:
            self._fetch(full=True)

    def rename_thread(self, thread_id: str, name: str) -> None:
        name = name.strip()
        old = self.thread(thread_id)
        if not name:
            self.error.emit("A thread needs a name.")
            return
        if old is not None and old.name == name:
            return
        if thread_id in self._pending_threads and self._outbox_rows is not None:
            # Not on the server yet: the queued thread takes the new name with it.
            renamed = self._outbox_rows.rename_pending_thread(thread_id, name)
            if renamed is not None:
                self._pending_threads[thread_id] = renamed
                self._put_thread(renamed)
                return

        def done(thread: Thread) -> None:
            self._set_connected()
            self._put_thread(thread)

        self._tasks.submit(
            self._api.rename_thread,
            thread_id,
            name,
            on_done=done,
            on_error=lambda e: self._on_api_error(e, f"rename the thread to “{name}”"),
        )

    # ---- the open thread -----------------------------------------------------------------
    def open_thread(self, thread_id: str) -> None:
        """Show a thread: cached messages at once, then the server's full list."""
        if thread_id == self._current_id and self._server_loaded:
            return
        self._generation += 1
        self._current_id = thread_id
        self._server_loaded = False
        self._cursor = None
        self._model.clear()
        self.currentThreadChanged.emit(thread_id)
        if not thread_id:
            self._set_loading(False)
            return
        self._set_loading(True)
        generation = self._generation
        if self._store is not None:
            self._tasks.submit(
                self._store.list_messages,
                thread_id,
                on_done=lambda msgs: self._on_local_messages(generation, msgs),
                on_error=lambda e: log.warning("cached messages unreadable: %s", e),
            )
        if self._outbox_rows is not None:
            self._outbox_rows.show_thread(thread_id)
        self._fetch(full=True)

    def close_thread(self) -> None:
        self.open_thread("")

    def refresh_messages(self) -> None:
        """Ask the server what changed in the open thread since the last answer (polling)."""
        if self._current_id:
            self._fetch(full=not self._server_loaded)

    def _fetch(self, *, full: bool) -> None:
        thread_id, generation, store = self._current_id, self._generation, self._store
        if thread_id in self._pending_threads:
            # Not on the server yet (made offline): nothing to ask; its queued messages
            # are shown from the outbox, and the fetch follows once it is created.
            self._set_loading(False)
            return
        key = (generation, full)
        if key in self._fetching:
            return  # the same question is already on its way (a poll tick during a fetch)
        self._fetching.add(key)
        since = None if full else self._cursor

        def work() -> _Fetched:
            messages, deleted, cursor, restarted = _fetch_messages(self._api, thread_id, since)
            result = _Fetched(
                thread_id, list(messages.values()), sorted(deleted), cursor, full, restarted
            )
            if store is not None:
                if result.whole:
                    store.replace_messages(thread_id, result.messages)
                else:
                    store.upsert_messages(result.messages)
                    store.delete_messages(result.deleted)
                store.set_cursor(thread_id, cursor)
            return result

        self._tasks.submit(
            work,
            on_done=lambda r: self._on_server_messages(generation, r),
            on_error=lambda e: self._on_fetch_error(key, e),
        )

    def _on_local_messages(self, generation: int, messages: list[Message]) -> None:
        if generation != self._generation or self._server_loaded:
            return
        # Rows the send flow put up (pending, uploading, failed) stay.
        cached = {m.id for m in messages}
        local = [self._model.message(mid) for mid in self._model.local_ids()]
        self._model.set_messages(messages + [m for m in local if m and m.id not in cached])

    def _on_server_messages(self, generation: int, fetched: _Fetched) -> None:
        self._fetching.discard((generation, fetched.full))
        if generation != self._generation:
            return
        if fetched.messages or fetched.deleted:
            self._quiet_polls = 0
        self._set_connected()
        self._server_loaded = True
        self._cursor = fetched.cursor
        model = self._model
        if fetched.whole:
            keep_local = model.local_ids()
            wanted = {m.id for m in fetched.messages}
            if model.rowCount() == 0:
                model.set_messages(fetched.messages)
            else:
                # A diff, not a reset: the cached rows already on screen stay put.
                for mid in model.ids():
                    if mid not in wanted and mid not in keep_local:
                        model.remove_message(mid)
                for m in fetched.messages:
                    self._upsert_keeping_state(m)
        else:
            for mid in fetched.deleted:
                model.remove_message(mid)
            for m in fetched.messages:
                self._upsert_keeping_state(m)
        self._set_loading(False)

    def _upsert_keeping_state(self, message: Message) -> None:
        """A server copy of a row: upload state stays unless the render it waited for has
        arrived."""
        row = self._model.row_state(message.id)
        if row is None or message.renders:
            self._model.upsert_message(message)
        else:
            self._model.upsert_message(
                message,
                pending=row.pending,
                upload_progress=row.upload_progress,
                upload_error=row.upload_error,
                take=row.take,
            )

    def _on_fetch_error(self, key: tuple[int, bool], exc: BaseException) -> None:
        self._fetching.discard(key)
        if key[0] == self._generation:
            self._set_loading(False)
        self._on_api_error(exc, "load the messages")

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loadingChanged.emit(loading)

    # ---- rows, for the send flow and polling ----------------------------------------
    def upsert_message(
        self,
        message: Message,
        *,
        pending: bool = False,
        upload_progress: float | None = None,
        upload_error: str | None = None,
        take: Render | None = None,
    ) -> None:
        """Show a message (or change its send state) if it belongs to the open thread; a
        message the server has (not ``pending``) is also written to the local cache.
        ``take``: the sender's own recording of a queued message, which plays from the
        outbox until the render is attached."""
        before = self._model.message(message.id)
        if message.parent_thread == self._current_id:
            self._model.upsert_message(
                message,
                pending=pending,
                upload_progress=upload_progress,
                upload_error=upload_error,
                take=take,
            )
        if self._store is not None and not pending and before != message:
            self._tasks.submit(self._store.upsert_messages, [message])
        self._touch_thread(message.parent_thread, message.timestamp)

    def remove_message(self, message_id: str) -> None:
        self._model.remove_message(message_id)
        if self._store is not None:
            self._tasks.submit(self._store.delete_messages, [message_id])

    def _touch_thread(self, thread_id: str, when: str) -> None:
        """A new message moves its thread to the top of the list."""
        thread = self.thread(thread_id)
        when = when or utc_now_iso()
        if thread is not None and when > (thread.updated_at or ""):
            self._threads = [t for t in self._threads if t.id != thread_id]
            self._set_threads([replace(thread, updated_at=when), *self._threads])

    # ---- connection ------------------------------------------------------------------
    def reconnect_now(self) -> None:
        """Try the server now (also what the retry timer calls)."""
        self._retry_timer.stop()
        self._set_connection(RECONNECTING, "Reconnecting…")
        self._tasks.submit(
            self._api.health,
            on_done=lambda _h: self._on_reconnected(),
            on_error=lambda e: self._on_api_error(e, "reach the server"),
        )

    def server_answered(self) -> None:
        """Something else (the send queue delivering a message) got an answer from the
        server: if this state still says "Offline … retrying in N s", the server is back
        now, not at the next retry."""
        if self._connection != CONNECTED:
            self._on_reconnected()

    def _on_reconnected(self) -> None:
        self._set_connected()
        if self._outbox_rows is not None:
            self._outbox_rows.network_back()
        self.refresh_threads()
        if self._current_id:
            self._fetch(full=True)

    def _set_connected(self) -> None:
        if self._connection != CONNECTED and self._outbox_rows is not None:
            self._outbox_rows.network_back()
        self._retry_index = 0
        self._retry_timer.stop()
        self._set_connection(CONNECTED, "Connected")

    def _go_offline(self, reason: str) -> None:
        delay = self._retry_delays[min(self._retry_index, len(self._retry_delays) - 1)]
        self._retry_index += 1
        self._offline_delay = delay
        self._set_connection(OFFLINE, self._offline_text())
        log.info("server unreachable (%s); retrying in %s s", reason, delay)
        self._retry_timer.start(round(delay * 1000))

    def _offline_text(self) -> str:
        # Say what is really on screen: a server never reached from here has nothing saved.
        saved = (
            "showing saved threads and messages"
            if self._store is not None and self._threads
            else "nothing saved from this server yet"
        )
        return f"Offline — {saved}; retrying in {self._offline_delay:g} s"

    def _set_connection(self, state: str, text: str) -> None:
        if (state, text) != (self._connection, self._connection_text):
            self._connection, self._connection_text = state, text
            self.connectionChanged.emit(text)

    def _on_api_error(self, exc: BaseException, what: str) -> None:
        if isinstance(exc, TransientApiError):
            if self._connection != OFFLINE or not self._retry_timer.isActive():
                self._go_offline(str(exc))
            return
        if isinstance(exc, AuthError):
            self._set_connection(OFFLINE, "Not signed in — the server refused the token")
            self.error.emit(
                f"Could not {what}: the server refused this app's token. "
                "Check the server address and token in Settings."
            )
            return
        if isinstance(exc, ApiError):
            detail = getattr(exc, "detail", "") or str(exc)
            self.error.emit(f"Could not {what}: {detail}")
            return
        log.error("unexpected failure while trying to %s", what, exc_info=exc)
        self.error.emit(f"Could not {what}: {exc}")

    # ---- sending (the seed's sendMessageFromSequencer) -------------------------------
    @property
    def can_send(self) -> bool:
        return self._outbox_rows is not None

    def send_message_from_sequencer(self, snapshot: dict[str, Any], recording: Any = None) -> str:
        """Post the pattern (and the take, a ``RecordingResult``) to the open thread. The
        message is in the list at once, pending; the outbox and the upload pool do the
        rest. Returns the message id."""
        if self._outbox_rows is None:
            raise RuntimeError("this ThreadsState was built without a send queue")
        if not self._current_id:
            raise RuntimeError("no thread is open")
        return self._outbox_rows.send(self._current_id, snapshot, recording)

    def send_audio_file(self, path: Any, snapshot: dict[str, Any] | None = None) -> None:
        """A dropped audio file: MP3 as is, WAV encoded first (on a worker)."""
        if self._outbox_rows is None or not self._current_id:
            self.error.emit("Open a thread to drop audio into it.")
            return
        self._outbox_rows.send_file(self._current_id, path, snapshot)

    def retry_message(self, message_id: str) -> None:
        if self._outbox_rows is not None:
            self._outbox_rows.retry(message_id)

    def is_deletable(self, message_id: str) -> bool:
        message = self._model.message(message_id)
        return message is not None and message.user_id == self._user_id

    def delete_message(self, message_id: str) -> None:
        """Delete one's own message: the row goes at once; the server removes the message
        and its files. A message still in the outbox is taken out of it too."""
        message = self._model.message(message_id)
        if message is None or not self.is_deletable(message_id):
            return
        if self._outbox_rows is not None:
            self._outbox_rows.cancel(message_id)
        self.remove_message(message_id)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, NotFoundError):
                return  # never reached the server, or already gone: nothing to undo
            self._on_api_error(exc, "delete the message")
            if message.parent_thread == self._current_id:
                self.upsert_message(message)  # put it back: it still exists

        self._tasks.submit(
            self._api.delete_message, message_id, on_done=lambda _r: None, on_error=failed
        )

    # ---- live sync -------------------------------------------------------------------
    def start_live_sync(self) -> None:
        """Poll the open thread for others' messages, renders and deletions."""
        self._quiet_polls = 0
        self._poll_timer.start(POLL_ACTIVE_MS)

    def stop_live_sync(self) -> None:
        self._poll_timer.stop()

    @property
    def poll_interval_ms(self) -> int:
        return POLL_IDLE_MS if self._quiet_polls >= IDLE_AFTER_POLLS else POLL_ACTIVE_MS

    def _poll(self) -> None:
        if self.is_connected and self._current_id:
            self._quiet_polls += 1
            self.refresh_messages()
        self._poll_timer.start(self.poll_interval_ms)
