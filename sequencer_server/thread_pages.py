"""Pages of the thread list: ``GET /api/v1/threads?limit=N&cursor=C``.

The answer stays the seed's JSON array; a page that is not the last says so in headers —
``X-Next-Cursor`` (ask again with ``cursor=`` it) and ``Link: <…>; rel="next"`` (RFC 8288)
— so a client that ignores them still reads an array, and a client that follows them gets
every thread. Without ``limit`` a page holds ``MAX_PAGE`` threads: a user in 5,000
threads no longer gets one unbounded answer.

Threads are listed oldest first by ``(created_at, id)``, which never change, so a thread
created or renamed while a client pages neither repeats nor skips one (a new thread comes
last). The cursor is that pair of the page's last thread, base64url-encoded: opaque to
clients, and it needs no thread to still exist (or be visible) to be followed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

MAX_PAGE = 1000
# A created_at (ISO 8601) and an id (at most 64 characters), with JSON's quotes.
MAX_CURSOR_CHARS = 256


def _key(thread: dict[str, Any]) -> tuple[str, str]:
    return str(thread.get("created_at", "")), str(thread.get("id", ""))


def encode_cursor(thread: dict[str, Any]) -> str:
    raw = json.dumps(list(_key(thread)), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The ``(created_at, id)`` a cursor stands for; 422 for one this server did not give."""
    refused = HTTPException(422, "cursor: not a cursor of GET /api/v1/threads; start without one")
    if len(cursor) > MAX_CURSOR_CHARS:
        raise refused
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, thread_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise refused from None
    if not isinstance(created_at, str) or not isinstance(thread_id, str):
        raise refused
    return created_at, thread_id


@dataclass(frozen=True)
class ThreadPage:
    threads: list[dict[str, Any]]
    next_cursor: str | None  # None on the last page


def page_of(threads: Iterable[dict[str, Any]], cursor: str | None, limit: int) -> ThreadPage:
    """The ``limit`` threads after ``cursor`` (of those given: the caller's visible ones)."""
    after = decode_cursor(cursor) if cursor is not None else None
    ordered = sorted(threads, key=_key)
    if after is not None:
        ordered = [t for t in ordered if _key(t) > after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return ThreadPage(page, encode_cursor(page[-1]) if more and page else None)
