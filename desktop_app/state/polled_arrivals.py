"""Others' new messages in threads not open, found by polling, for a server that pushes
nothing (a seed-only server: no ``/api/v1/events``).

With events, every new message of every thread arrives by itself and goes through
``ThreadsState.message_pushed`` — the unread count, the desktop notification, the local
cache. Polling only ever asked for the open thread, so against such a server nothing
was counted or notified. ``PolledArrivals`` closes that gap with what the polling API
has: the thread list (which the session polls anyway) says when a thread's
``updated_at`` moved; for each such thread that is not open, its messages after the
last known cursor are fetched (the whole thread the first time), and those created
after the thread's previous ``updated_at`` go down the same ``message_pushed`` path,
which counts each message once however it arrives.

The first thread list seen is the baseline: what was there before is not news.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QObject

from desktop_app.domain.message import Message, Thread
from desktop_app.services.message_pages import MessageLister, fetch_changes
from desktop_app.services.tasks import Submit

log = logging.getLogger(__name__)


class ArrivalSink(Protocol):
    """The part of ``ThreadsState`` this reads and feeds (its ``threadsChanged`` is
    connected to ``threads_changed``)."""

    @property
    def threads(self) -> list[Thread]: ...
    @property
    def current_thread_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    def message_pushed(self, message: Message) -> None: ...


class PolledArrivals(QObject):
    """``set_active(True)`` while the server offers no events; inactive it only keeps
    its baseline current, so switching on never reports old messages as new."""

    def __init__(
        self,
        api: MessageLister,
        threads: ArrivalSink,
        submit: Submit,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._threads = threads
        self._submit = submit
        self._active = False
        self._known: dict[str, str] | None = None  # thread id → updated_at, once seen
        self._cursors: dict[str, str | None] = {}
        self._fetching: set[str] = set()

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        self._active = active

    def threads_changed(self) -> None:
        seen = {t.id: t.updated_at or t.created_at for t in self._threads.threads}
        known, self._known = self._known, {**(self._known or {}), **seen}
        if known is None or not self._active:
            return
        open_id = self._threads.current_thread_id
        for thread_id, updated in seen.items():
            before = known.get(thread_id)
            if before is None:
                # A thread new to this client: everything in it came after the baseline.
                before = ""
            if updated > before and thread_id != open_id and thread_id not in self._fetching:
                self._fetch(thread_id, before)

    def _fetch(self, thread_id: str, after: str) -> None:
        self._fetching.add(thread_id)
        since = self._cursors.get(thread_id)

        def work() -> tuple[list[Message], str | None]:
            changes = fetch_changes(self._api, thread_id, since)
            return list(changes.messages.values()), changes.cursor

        def done(result: tuple[list[Message], str | None]) -> None:
            self._fetching.discard(thread_id)
            messages, cursor = result
            self._cursors[thread_id] = cursor
            me = self._threads.user_id
            for message in sorted(messages, key=_created):
                if _created(message) > after and message.user_id != me:
                    self._threads.message_pushed(message)

        def failed(exc: BaseException) -> None:
            self._fetching.discard(thread_id)
            log.info("could not look for new messages in %s: %s", thread_id, exc)

        self._submit(work, on_done=done, on_error=failed)


def _created(message: Message) -> str:
    """The server's time of creation (what the thread's ``updated_at`` is made of); a
    seed-only server may only have the client's ``timestamp``."""
    return message.created_at or message.timestamp
