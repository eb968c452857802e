"""Threads, the open thread's messages and the connection, as the UI binds to them.

Everything slow (HTTP, SQLite) runs through ``TaskRunner``, with this state as the
callbacks' context: a state closed with its session simply never hears back. The local
store is read first so the app shows the last seen threads and messages at once (and with
no network at all), then the server's answer replaces them. ``ConnectionStatus`` says in
words whether the server answers; a failure never erases what is shown.

Sending goes to the ``Sender`` (the server session): it shows outgoing messages through
``upsert_message`` / ``remove_message`` and reports queued threads back here.

The work is done by parts, each with its own reason to change: ``ThreadCatalog`` (the
thread list), ``OpenThread`` (the open thread's messages), ``UnreadCounts`` and
``OwnMessages`` (sending, retrying, deleting). This state ties them together and is the
one face the UI binds to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.draft import AudioFile, Take
from desktop_app.domain.message import Message, Thread
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.connection_status import RETRY_DELAYS, ConnectionStatus
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.open_thread import OpenThread
from desktop_app.state.own_messages import OwnMessages
from desktop_app.state.thread_catalog import ThreadCatalog
from desktop_app.state.threads_ports import Sender, ThreadsApi, ThreadsContext, ThreadsStore
from desktop_app.state.unread_counts import UnreadCounts

log = logging.getLogger(__name__)


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
    messageRemoved = Signal(str)  # a message deleted (in any thread, open or not)
    recordingsRemoved = Signal(list)  # the render ids of a deleted message

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
        self._tasks = tasks
        self._closed = False
        self._status = ConnectionStatus(
            lambda: local_store is not None and bool(self._catalog.threads), retry_delays, self
        )
        self._status.changed.connect(self.connectionChanged)
        self._status.error.connect(self.error)
        self._status.retryDue.connect(self.reconnect_now)
        self._ctx = ThreadsContext(
            api, local_store, user_id, self._submit, self._status, self._set_connected, sender
        )
        self._catalog = ThreadCatalog(self._ctx, self)
        self._catalog.changed.connect(self._on_threads_changed)
        self._catalog.created.connect(self.threadCreated)
        self._catalog.onServer.connect(self._on_thread_on_server)
        self._catalog.error.connect(self.error)
        self._open = OpenThread(
            api,
            local_store,
            user_id,
            self._submit,
            self._set_connected,
            self._status,
            self._catalog.is_pending,
            self,
        )
        self._open.opened.connect(self.currentThreadChanged)
        self._open.loadingChanged.connect(self.loadingChanged)
        self._unread = UnreadCounts(self._ctx, self._open, self)
        self._unread.changed.connect(self.unreadChanged)
        self._unread.arrived.connect(self.messageArrived)
        self._own = OwnMessages(self._ctx, self._open, self, self.error.emit)

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
        return self._ctx.user_id

    def set_user_id(self, user_id: str) -> None:
        """The server named this client's token mid-session: what is sent, counted as
        read and marked "you" follows from now on, the rows on screen included."""
        if user_id and user_id != self._ctx.user_id:
            self._ctx.user_id = user_id
            self._open.model.set_own_user_id(user_id)
            self.threadsChanged.emit()  # a private thread's members read "you" anew

    @property
    def threads(self) -> list[Thread]:
        """Most recently updated first."""
        return list(self._catalog.threads)

    def thread_by_id(self, thread_id: str) -> Thread | None:
        return self._catalog.by_id(thread_id)

    @property
    def current_thread_id(self) -> str:
        return self._open.thread_id

    @property
    def current_thread(self) -> Thread | None:
        return self.thread_by_id(self._open.thread_id)

    # ---- threads -------------------------------------------------------------------------
    def start(self) -> None:
        """Show the cached threads, then ask the server."""
        self._catalog.load_cached()
        self._unread.load()
        self._catalog.refresh()
        if self._ctx.sender is not None:
            self._ctx.sender.resume()  # resume what a previous run left in the outbox

    def refresh_threads(self) -> None:
        """Ask the server for the thread list (see ``ThreadCatalog.refresh``)."""
        self._catalog.refresh()

    def _on_threads_changed(self) -> None:
        self.threadsChanged.emit()
        self._status.saved_changed()  # saved threads may show now
        if self._open.thread_id:
            self.currentThreadChanged.emit(self._open.thread_id)  # its name may have changed

    def create_thread(self, name: str) -> None:
        """Create a thread; ``threadCreated(id)`` once it is listed (queued or made)."""
        self._catalog.create(name)

    def create_private_thread(self, name: str, members: tuple[str, ...]) -> None:
        """A thread only ``members`` (and this user) see; made online only."""
        self._catalog.create_private(name, members)

    def rename_thread(self, thread_id: str, name: str) -> None:
        self._catalog.rename(thread_id, name)

    def load_users(self, on_done: Callable[[list[str]], None]) -> None:
        """The server's user names, answered on the GUI thread (errors go to ``error``)."""
        self._ctx.ask("list the server's users", self._ctx.api.list_users, on_done=on_done)

    def is_pending(self, thread_id: str) -> bool:
        """The thread was made here and the server does not have it yet."""
        return self._catalog.is_pending(thread_id)

    def threads_queued(self, threads: list[Thread]) -> None:
        """Queued threads found in the outbox at start (made offline in an earlier run)."""
        self._catalog.queued(threads)

    def thread_delivered(self, thread: Thread) -> None:
        """The server created a queued thread (same id): keep its copy of it."""
        self._catalog.delivered(thread)

    def thread_has_message_on_server(self, thread_id: str) -> None:
        """A message was delivered into a queued thread, which its delivery created."""
        self._catalog.has_message_on_server(thread_id)

    def thread_refused(self, thread_id: str, reason: str) -> None:
        name = self._catalog.refused(thread_id)
        if self._open.thread_id == thread_id:
            self.close_thread()
        self.error.emit(f"The server refused the new thread “{name}”: {reason}")

    def _on_thread_on_server(self, thread_id: str) -> None:
        if thread_id == self._open.thread_id:
            self._open.fetch(full=True)

    # ---- the open thread -----------------------------------------------------------------
    @property
    def messages(self) -> MessageListModel:
        """The open thread's messages (one model for the lifetime of the state)."""
        return self._open.model

    @property
    def loading(self) -> bool:
        return self._open.loading

    def open_thread(self, thread_id: str) -> None:
        """Show a thread: cached messages at once, then the server's full list. Opening
        it reads it: its count goes, the "New" divider marks where the unread began."""
        if not self._open.open(thread_id) or not thread_id:
            return
        self._unread.mark_read(thread_id)
        if self._ctx.sender is not None:
            self._ctx.sender.show_thread(thread_id)
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
        if self._ctx.store is not None and not pending and before != message:
            self._submit(self._ctx.store.upsert_messages, [message])
        self._catalog.touch(message.parent_thread, message.timestamp)

    def remove_message(self, message_id: str) -> None:
        """A message deleted (by its author, here or elsewhere): its row goes, and
        ``recordingsRemoved`` names its recordings, which go from this disk too."""
        shown = self._open.model.message(message_id)
        self._open.model.remove_message(message_id)
        self._unread.removed(message_id)
        self.messageRemoved.emit(message_id)
        said = [render.id for render in shown.renders] if shown is not None else []
        if said:
            self.recordingsRemoved.emit(said)
        store = self._ctx.store
        if store is not None:

            def forget() -> list[str]:
                kept = store.get_message(message_id)  # a thread not open: only here
                store.delete_messages([message_id])
                return [r.id for r in kept.renders if r.id not in said] if kept else []

            self._submit(forget, on_done=self._recordings_removed)

    def _recordings_removed(self, render_ids: list[str]) -> None:
        if render_ids:
            self.recordingsRemoved.emit(render_ids)

    # ---- connection ------------------------------------------------------------------
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

    def reconnect_now(self) -> None:
        """Try the server now (also what the retry timer calls)."""
        self._status.reconnecting()
        self._ctx.ask(
            "reach the server", self._ctx.api.health, on_done=lambda _h: self._on_reconnected()
        )

    def server_answered(self) -> None:
        """Something else (the send queue delivering a message) got an answer from the
        server: if this state still says "Offline … retrying in N s", the server is back
        now, not at the next retry."""
        if not self.is_connected:
            self._on_reconnected()

    def _on_reconnected(self) -> None:
        self._set_connected()
        if self._ctx.sender is not None:
            self._ctx.sender.network_back()
        self._catalog.refresh()
        if self._open.thread_id:
            self._open.fetch(full=True)

    def _set_connected(self) -> None:
        if not self._status.is_connected and self._ctx.sender is not None:
            self._ctx.sender.network_back()
        self._status.connected()

    # ---- sending (the seed's sendMessageFromSequencer): see ``OwnMessages`` -----------
    @property
    def can_send(self) -> bool:
        return self._own.can_send

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
        return self._own.send_pattern(snapshot, take, text, reply_to)

    def send_text(self, text: str, reply_to: str = "") -> str:
        """Words only (no pattern): through the outbox like any other message."""
        return self._own.send_text(text, reply_to)

    def send_audio_file(self, path: str | Path, snapshot: dict[str, Any] | None = None) -> None:
        """A dropped audio file: MP3 as is, WAV encoded first (on a worker)."""
        self._own.send_audio_file(Path(path), snapshot)

    def prepare_audio_file(
        self, path: Path, on_done: Callable[[AudioFile], None], on_error: Callable[[str], None]
    ) -> None:
        """An attached audio file read once, on a worker: ``on_done(audio)`` with its
        length and waveform (a WAV already encoded), ``on_error(sentence)`` if it cannot
        be sent."""
        self._own.prepare_audio_file(Path(path), on_done, on_error)

    def send_prepared_audio(self, filename: str, audio: AudioFile) -> str:
        """Post an attached file ``prepare_audio_file`` read, named ``filename``, to the
        open thread; returns the message id."""
        return self._own.send_prepared_audio(filename, audio)

    def retry_message(self, message_id: str) -> None:
        self._own.retry(message_id)

    def is_deletable(self, message_id: str) -> bool:
        return self._own.is_deletable(message_id)

    def delete_message(self, message_id: str) -> None:
        """Delete one's own message (the row goes at once, comes back if the server says no)."""
        self._own.delete(message_id)

    # ---- pushed changes (the server's events) -------------------------------------------
    def message_pushed(self, message: Message) -> None:
        """Another client's message (or a render attached): the open thread shows it, the
        cache keeps it for an offline start, its thread moves up. Someone else's new
        message in a thread not open is unread (and may be notified)."""
        if self._closed:
            return
        before = self._open.model.message(message.id)
        self._open.pushed(message)
        self._catalog.touch(message.parent_thread, message.timestamp)
        self._unread.pushed(message, before)

    def unread_count(self, thread_id: str) -> int:
        return self._unread.count(thread_id)

    def is_muted(self, thread_id: str) -> bool:
        return self._unread.is_muted(thread_id)

    def set_muted(self, thread_id: str, muted: bool) -> None:
        """No notifications from this thread (its unread count still shows)."""
        self._unread.set_muted(thread_id, muted)

    def message_deleted(self, message_id: str) -> None:
        if not self._closed:
            self.remove_message(message_id)

    def thread_pushed(self, thread: Thread) -> None:
        """A thread made or renamed elsewhere."""
        if not self._closed:
            self._catalog.put(thread)

    def reload(self) -> None:
        """The server's events cannot replay what this client missed (a ``reset``):
        the threads and the open thread's messages again, in full."""
        if not self._closed:
            self.refresh_threads()
            if self._open.thread_id:
                self._open.fetch(full=True)
            self._unread.verify()

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
