"""Asking the server what changed in one thread, page by page, and keeping the answer.

Runs on a worker: the pages are merged (latest version of a message wins, a deletion
cancels an earlier copy) and the local store is updated before the answer goes back to
the GUI thread, so the next start shows exactly what was last seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from desktop_app.domain.message import Message
from desktop_app.services.api import MessagePage

PAGE_SIZE = 500


class MessagePages(Protocol):
    """The part of ``ApiClient`` this module uses."""

    def list_messages(
        self, thread_id: str, since: str | None = None, limit: int = PAGE_SIZE
    ) -> MessagePage: ...


class MessageCache(Protocol):
    """The part of ``LocalStore`` this module uses."""

    def replace_messages(self, thread_id: str, messages: list[Message]) -> None: ...
    def upsert_messages(self, messages: list[Message]) -> None: ...
    def delete_messages(self, message_ids: list[str]) -> None: ...
    def set_cursor(self, thread_id: str, cursor: str | None) -> None: ...


@dataclass
class Fetched:
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


def fetch_messages(
    api: MessagePages, thread_id: str, since: str | None
) -> tuple[dict[str, Message], set[str], str | None, bool]:
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


def fetch_and_keep(
    api: MessagePages, store: MessageCache | None, thread_id: str, since: str | None
) -> Fetched:
    """``fetch_messages`` and the local store brought up to date (``since=None``: the
    whole thread, replacing what was kept)."""
    full = since is None
    messages, deleted, cursor, restarted = fetch_messages(api, thread_id, since)
    result = Fetched(thread_id, list(messages.values()), sorted(deleted), cursor, full, restarted)
    if store is not None:
        if result.whole:
            store.replace_messages(thread_id, result.messages)
        else:
            store.upsert_messages(result.messages)
            store.delete_messages(result.deleted)
        store.set_cursor(thread_id, cursor)
    return result
