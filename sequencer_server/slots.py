"""Per-key limits on work that holds a socket for a while (event streams, uploads): one
counter per key, a 429 with ``Retry-After`` when the key holds them all, so a single
user or address cannot take every socket and file descriptor of the server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import HTTPException

RETRY_AFTER_SECONDS = 5


class Slots:
    """``Slots(limit, too_many)``: at most ``limit`` held per key (per process);
    ``too_many`` is the 429's detail, with ``{limit}`` filled in."""

    def __init__(self, limit: int, too_many: str) -> None:
        self.limit = limit
        self._too_many = too_many
        self._held: dict[str, int] = {}

    @property
    def in_use(self) -> int:
        """Slots held by every key together (for tests that wait until work is inside)."""
        return sum(self._held.values())

    def take(self, key: str) -> Callable[[], None]:
        """A slot for ``key`` (429 when it holds them all); the answer frees it, once
        however often it is called — a stream may be closed by more than one path."""
        if self._held.get(key, 0) >= self.limit:
            raise HTTPException(
                429,
                self._too_many.format(limit=self.limit),
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        self._held[key] = self._held.get(key, 0) + 1
        freed = False

        def free() -> None:
            nonlocal freed
            if freed:
                return
            freed = True
            left = self._held[key] - 1
            if left:
                self._held[key] = left
            else:
                del self._held[key]

        return free

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """A slot for ``key`` for the length of the ``async with``."""
        free = self.take(key)
        try:
            yield
        finally:
            free()
