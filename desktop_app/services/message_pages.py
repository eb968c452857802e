"""Following a thread's change cursor across pages: the one paging loop.

``GET /threads/{id}/messages?since=`` answers a page at a time; what a client wants is
everything after its cursor: messages by id (the latest version wins), the ids deleted,
the cursor to ask from next time, and whether the server started the thread over
(``reset``: the cursor predated the deletions it remembers, so the answer is the whole
thread and anything not in it is gone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from desktop_app.domain.message import Message
from desktop_app.services.api import MessagePage

PAGE_SIZE = 500


class MessageLister(Protocol):
    def list_messages(
        self, thread_id: str, since: str | None = None, limit: int = PAGE_SIZE
    ) -> MessagePage: ...


@dataclass
class ThreadChanges:
    messages: dict[str, Message] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    cursor: str | None = None
    restarted: bool = False


def fetch_changes(
    api: MessageLister, thread_id: str, since: str | None = None, page_size: int = PAGE_SIZE
) -> ThreadChanges:
    """Every page after ``since`` (blocking; call from a worker)."""
    changes = ThreadChanges(cursor=since)
    cursor = since
    while True:
        page = api.list_messages(thread_id, since=cursor, limit=page_size)
        if page.reset:
            changes.messages.clear()
            changes.deleted.clear()
            changes.restarted = True
        for m in page.messages:
            changes.messages[m.id] = m
            changes.deleted.discard(m.id)
        for mid in page.deleted:
            changes.messages.pop(mid, None)
            changes.deleted.add(mid)
        if not page.more or not page.cursor or page.cursor == cursor:
            changes.cursor = page.cursor or cursor
            return changes
        cursor = page.cursor
