"""What one signed-in user may write: sizes, rates and storage, so that no member of a
band can make every other client's start and poll slow, or fill the server.

Sizes are checked when a message or thread is written (a stored document is then small
for every read); a page of messages is also cut by its total size, because a thread of
many large messages is legitimate, and the client follows ``more`` for the rest. Rates
are counted per user in each server process (behind a load balancer with N replicas a
user may write up to N times the rate); the shared ``API_TOKEN`` is a service, not a
person, and is not rate limited. Every figure can be changed from the environment.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from fastapi import HTTPException

if TYPE_CHECKING:
    from sequencer_server.users import User

WINDOW_S = 60.0


class StoredBytes(Protocol):
    def bytes_stored_by(self, user_name: str) -> int: ...


@dataclass(frozen=True)
class WriteLimits:
    # The largest pattern the desktop app can make (256 tracks of 64 steps at velocity
    # 127, 80-character names, own samples) is 166 KB of compact JSON (188 KB as the
    # client sends it); its summary 21 KB. Sizes are counted as compact UTF-8 JSON.
    max_snapshot_kb: int = 256
    max_metadata_kb: int = 32
    # A page of ``GET /threads/{id}/messages`` stops growing at this many bytes of JSON
    # (the message that crosses it is the last one), with ``more: true``.
    max_page_kb: int = 1024
    # Members of one thread: a band, with room to spare.
    max_thread_users: int = 64
    messages_per_minute: int = 60
    threads_per_minute: int = 10
    # Audio renders and samples one user keeps on the server, in all.
    max_storage_mb_per_user: int = 2048

    @classmethod
    def from_env(cls, get: Callable[[str], str | None]) -> WriteLimits:
        from sequencer_server.config import _positive

        d = cls()
        return cls(
            max_snapshot_kb=_positive(get, "MAX_SNAPSHOT_KB", d.max_snapshot_kb, "kilobytes"),
            max_metadata_kb=_positive(get, "MAX_METADATA_KB", d.max_metadata_kb, "kilobytes"),
            max_page_kb=_positive(get, "MAX_PAGE_KB", d.max_page_kb, "kilobytes"),
            max_thread_users=_positive(get, "MAX_THREAD_USERS", d.max_thread_users, "users"),
            messages_per_minute=_positive(
                get, "MESSAGES_PER_MINUTE", d.messages_per_minute, "messages"
            ),
            threads_per_minute=_positive(
                get, "THREADS_PER_MINUTE", d.threads_per_minute, "threads"
            ),
            max_storage_mb_per_user=_positive(
                get, "MAX_STORAGE_MB_PER_USER", d.max_storage_mb_per_user, "megabytes"
            ),
        )


def json_size(value: object) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON: what it costs in every response."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def check_size(field: str, value: object, limit_kb: int, variable: str) -> None:
    if value is None:
        return
    size = json_size(value)
    if size > limit_kb * 1024:
        raise HTTPException(
            422,
            f"{field}: {math.ceil(size / 1024)} KB of JSON; the limit is {limit_kb} KB "
            f"({variable})",
        )


class RateLimiter:
    """At most ``limit`` writes per user in any 60 s; beyond that 429 with ``Retry-After``
    (the seconds until the oldest write of the window leaves it)."""

    def __init__(
        self, limit: int, what: str, variable: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._what = what
        self._variable = variable
        self._clock = clock
        self._lock = threading.Lock()
        self._writes: dict[str, deque[float]] = {}

    def hit(self, user: str) -> None:
        """Count one write by ``user``, or raise 429 without counting it."""
        with self._lock:
            now = self._clock()
            times = self._writes.setdefault(user, deque())
            while times and now - times[0] >= WINDOW_S:
                times.popleft()
            if len(times) >= self._limit:
                wait = max(1, math.ceil(times[0] + WINDOW_S - now))
                raise HTTPException(
                    429,
                    f"Too many {self._what}: at most {self._limit} a minute per user "
                    f"({self._variable}); try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
            times.append(now)
            if len(self._writes) > 10_000:  # forget users whose window is over
                self._writes = {
                    u: t for u, t in self._writes.items() if t and now - t[-1] < WINDOW_S
                }


@dataclass(frozen=True)
class WriteRates:
    """The app's rate limiters, one per kind of write."""

    messages: RateLimiter
    threads: RateLimiter

    @classmethod
    def of(cls, limits: WriteLimits) -> WriteRates:
        return cls(
            messages=RateLimiter(limits.messages_per_minute, "messages", "MESSAGES_PER_MINUTE"),
            threads=RateLimiter(limits.threads_per_minute, "threads", "THREADS_PER_MINUTE"),
        )


def storage_cap(user: User, limits: WriteLimits) -> int | None:
    """The bytes of renders and samples ``user`` may keep (MAX_STORAGE_MB_PER_USER); None
    for the shared token, which is not counted."""
    return None if user.service else limits.max_storage_mb_per_user * 1024 * 1024


def quota_refusal(used: int, adding: int, limits: WriteLimits) -> HTTPException:
    mb = 1024 * 1024
    return HTTPException(
        413,
        f"Storage limit: you keep {used / mb:.1f} MB on this server and this file is "
        f"{adding / mb:.1f} MB; each user may keep {limits.max_storage_mb_per_user} MB "
        "(MAX_STORAGE_MB_PER_USER). Deleting old messages frees their renders.",
    )


def check_storage_quota(store: StoredBytes, user: User, adding: int, limits: WriteLimits) -> None:
    """413 when ``adding`` more bytes would take the user past MAX_STORAGE_MB_PER_USER
    (renders and samples together; the shared token is not counted). Deleting one's
    messages frees their renders. This is the early answer, before the file is stored;
    the store checks again in the step that records it (``cap`` of ``record_upload`` and
    ``record_sample``), so uploads running at the same moment cannot pass the limit
    together."""
    cap = storage_cap(user, limits)
    if cap is None:
        return
    used = store.bytes_stored_by(user.name)
    if used + adding > cap:
        raise quota_refusal(used, adding, limits)
