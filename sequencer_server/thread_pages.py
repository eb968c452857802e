"""Pages of the thread list: ``GET /api/v1/threads?limit=N&cursor=C``.

The answer stays the seed's JSON array; a page that is not the last says so in headers —
``X-Next-Cursor`` (ask again with ``cursor=`` it) and ``Link: <…>; rel="next"`` (RFC 8288)
— so a client that ignores them still reads an array, and a client that follows them gets
every thread. Without ``limit`` a page holds ``MAX_PAGE`` threads: a user in 5,000
threads no longer gets one unbounded answer.

Threads are listed oldest first by ``(created_at, id)``, which never change, so a thread
created or renamed while a client pages neither repeats nor skips one (a new thread comes
last). The cursor is that pair of the page's last thread as one string, ``created_at``,
a space, the id: a space sorts before every character either holds, so strings compare
as the pairs do. Any string is a place in that order, so every cursor is followed (no
thread needs to still exist, or be visible, for its cursor to work) and none is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_PAGE = 1000
# A created_at (ISO 8601), a space and an id (at most 64 characters).
MAX_CURSOR_CHARS = 256


def position(thread: dict[str, Any]) -> str:
    return f"{thread.get('created_at', '')} {thread.get('id', '')}"


@dataclass(frozen=True)
class ThreadPage:
    threads: list[dict[str, Any]]
    next_cursor: str | None  # None on the last page


def page_of(threads: Iterable[dict[str, Any]], cursor: str | None, limit: int) -> ThreadPage:
    """The ``limit`` threads after ``cursor`` (of those given: the caller's visible ones)."""
    ordered = sorted(threads, key=position)
    if cursor is not None:
        ordered = [t for t in ordered if position(t) > cursor]
    page = ordered[:limit]
    more = len(ordered) > limit
    return ThreadPage(page, position(page[-1]) if more and page else None)
