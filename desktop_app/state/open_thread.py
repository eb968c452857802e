"""The open thread's messages: the cached rows at once, then the server's full list, then
only what changed since the last answer.

Each ``open`` bumps a generation; an answer for an earlier one is dropped, so switching
threads quickly never shows the wrong thread's messages. Rows the send flow put up
(pending, uploading, failed) survive every server answer until the server has them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.domain.message import Message
from desktop_app.services.message_pages import MessageLister
from desktop_app.services.tasks import Submit
from desktop_app.state.connection_status import ConnectionStatus
from desktop_app.state.message_fetch import Fetched, MessageCache, fetch_and_keep
from desktop_app.state.message_list_model import MessageListModel

log = logging.getLogger(__name__)

POLL_ACTIVE_MS = 1000
POLL_IDLE_MS = 1500
IDLE_AFTER_POLLS = 30
POLL_PUSHED_MS = 60_000  # the server pushes its changes: a slow safety poll only


class CachedMessages(MessageCache, Protocol):
    """The part of ``LocalStore`` the open thread reads."""

    def list_messages(self, thread_id: str) -> list[Message]: ...


class OpenThread(QObject):
    """``OpenThread(api, store, user_id, submit, answered, status, is_pending)``:
    ``answered()`` when the server answered, ``status`` hears when it did not (and says
    whether to poll), ``is_pending(thread_id)`` for a thread the server does not have yet.

    Live sync polls the open thread every second while something happens, a bit slower
    once it has been quiet for a while — either way others' messages show within 2 s.
    Offline, polling pauses and the status's reconnect timer takes over."""

    opened = Signal(str)  # thread id ("" once closed)
    loadingChanged = Signal(bool)

    def __init__(
        self,
        api: MessageLister,
        store: CachedMessages | None,
        user_id: str,
        submit: Submit,
        answered: Callable[[], None],
        status: ConnectionStatus,
        is_pending: Callable[[str], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._store = store
        self._submit = submit
        self._answered = answered
        self._status = status
        self._is_pending = is_pending
        self.model = MessageListModel(user_id, self)
        self.thread_id = ""
        self._generation = 0  # bumps on every open; stale answers are dropped
        self.server_loaded = False  # the open thread has had a server answer
        self._cursor: str | None = None
        self._fetching: set[tuple[int, bool]] = set()  # (generation, full) in flight
        # Asked while a fetch was on its way: what changed since it left is not in its
        # answer, so one more question follows it (a refresh was dropped, and the change
        # it was for waited for the next poll, which backs off to many seconds).
        self._ask_again = False
        self.loading = False
        self._quiet_polls = 0  # polls in a row that brought nothing new
        self._pushed = False  # the server's events bring changes: poll slowly
        self._poll_timer = QTimer(self)
        self._poll_timer.setSingleShot(True)
        self._poll_timer.timeout.connect(self._poll)

    def open(self, thread_id: str) -> bool:
        """Show a thread; False if it is already open and loaded (nothing to do)."""
        if thread_id == self.thread_id and self.server_loaded:
            return False
        self._generation += 1
        self._ask_again = False
        self.thread_id = thread_id
        self.server_loaded = False
        self._cursor = None
        self.model.clear()
        self.opened.emit(thread_id)
        if not thread_id:
            self._set_loading(False)
            return True
        self._set_loading(True)
        generation = self._generation
        if self._store is not None:
            self._submit(
                self._store.list_messages,
                thread_id,
                on_done=lambda msgs: self._on_local_messages(generation, msgs),
                on_error=lambda e: log.warning("cached messages unreadable: %s", e),
            )
        return True

    def fetch(self, *, full: bool) -> None:
        thread_id, generation, store = self.thread_id, self._generation, self._store
        if self._is_pending(thread_id):
            # Not on the server yet (made offline): nothing to ask; its queued messages
            # are shown from the outbox, and the fetch follows once it is created.
            self._set_loading(False)
            return
        key = (generation, full)
        if key in self._fetching:
            self._ask_again = True
            return
        self._fetching.add(key)
        since = None if full else self._cursor

        def work() -> Fetched:
            return fetch_and_keep(self._api, store, thread_id, since)

        self._submit(
            work,
            on_done=lambda r: self._on_server_messages(generation, r),
            on_error=lambda e: self._on_fetch_error(key, e),
        )

    def _on_local_messages(self, generation: int, messages: list[Message]) -> None:
        if generation != self._generation or self.server_loaded:
            return
        # Rows the send flow put up (pending, uploading, failed) stay.
        cached = {m.id for m in messages}
        local = [self.model.message(mid) for mid in self.model.local_ids()]
        self.model.set_messages(messages + [m for m in local if m and m.id not in cached])

    def _on_server_messages(self, generation: int, fetched: Fetched) -> None:
        self._fetching.discard((generation, fetched.full))
        if generation != self._generation:
            return
        if fetched.messages or fetched.deleted:
            self._quiet_polls = 0
        self._answered()
        self.server_loaded = True
        self._cursor = fetched.cursor
        model = self.model
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
        self._follow_up()

    def _follow_up(self) -> None:
        if self._ask_again:
            self._ask_again = False
            self.refresh()

    def _upsert_keeping_state(self, message: Message) -> None:
        """A server copy of a row: upload state stays unless the render it waited for has
        arrived."""
        row = self.model.row_state(message.id)
        if row is None or message.renders:
            self.model.upsert_message(message)
        else:
            self.model.upsert_message(
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
        self._status.failed(exc, "load the messages")
        self._ask_again = False  # the server is away: its retry asks again

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.loadingChanged.emit(loading)

    def pushed(self, message: Message) -> None:
        """A message the server pushed: shown (send state kept) if it is in this thread."""
        if message.parent_thread == self.thread_id:
            self._upsert_keeping_state(message)

    def show(self, message: Message, **row_state: Any) -> None:
        """Put a row up (or change its send state) if it belongs to this thread."""
        if message.parent_thread == self.thread_id:
            self.model.upsert_message(message, **row_state)

    def refresh(self) -> None:
        """Ask the server what changed since the last answer (everything, before one)."""
        if self.thread_id:
            self.fetch(full=not self.server_loaded)

    # ---- live sync ---------------------------------------------------------------------
    def start_polling(self) -> None:
        self._quiet_polls = 0
        self._poll_timer.start(POLL_ACTIVE_MS)

    def stop_polling(self) -> None:
        self._poll_timer.stop()

    def set_pushed(self, pushed: bool) -> None:
        """Events on: the 1 s polling stops (a 60 s safety poll stays); off: it resumes."""
        if pushed == self._pushed:
            return
        self._pushed = pushed
        self._quiet_polls = 0
        if self._poll_timer.isActive():
            self._poll_timer.start(self.poll_interval_ms)

    @property
    def poll_interval_ms(self) -> int:
        if self._pushed:
            return POLL_PUSHED_MS
        return POLL_IDLE_MS if self._quiet_polls >= IDLE_AFTER_POLLS else POLL_ACTIVE_MS

    def _poll(self) -> None:
        if self._status.is_connected and self.thread_id:
            self._quiet_polls += 1
            self.refresh()
        self._poll_timer.start(self.poll_interval_ms)
