"""Asking the server what changed in one thread, page by page, and keeping the answer.

Runs on a worker: the pages are merged (latest version of a message wins, a deletion
cancels an earlier copy) and the local store is updated before the answer goes back to
the GUI thread, so the next start shows exactly what was last seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from desktop_app.domain.message import Message
from desktop_app.services.message_pages import PAGE_SIZE, MessageLister, fetch_changes


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


def fetch_and_keep(
    api: MessageLister, store: MessageCache | None, thread_id: str, since: str | None
) -> Fetched:
    """``fetch_changes`` and the local store brought up to date (``since=None``: the
    whole thread, replacing what was kept)."""
    full = since is None
    changes = fetch_changes(api, thread_id, since, PAGE_SIZE)
    cursor = changes.cursor
    result = Fetched(
        thread_id,
        list(changes.messages.values()),
        sorted(changes.deleted),
        cursor,
        full,
        changes.restarted,
    )
    if store is not None:
        if result.whole:
            store.replace_messages(thread_id, result.messages)
        else:
            store.upsert_messages(result.messages)
            store.delete_messages(result.deleted)
        store.set_cursor(thread_id, cursor)
    return result
