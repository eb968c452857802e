"""Failed token checks per client address: after ``limit`` failures within a minute the
address is answered 429 until that minute is over, so guessing tokens costs a minute per
twenty guesses."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

WINDOW_S = 60.0
DEFAULT_LIMIT = 20


class FailureLimiter:
    def __init__(
        self, limit: int = DEFAULT_LIMIT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        # address -> (start of its window, failures in it)
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, address: str) -> int | None:
        """Seconds until the address may try again, or None when it may try now."""
        with self._lock:
            start, count = self._windows.get(address, (0.0, 0))
            left = start + WINDOW_S - self._clock()
            if count >= self._limit and left > 0:
                return max(1, math.ceil(left))
            return None

    def failed(self, address: str) -> None:
        with self._lock:
            now = self._clock()
            start, count = self._windows.get(address, (now, 0))
            if now - start >= WINDOW_S:
                start, count = now, 0
            self._windows[address] = (start, count + 1)
            if len(self._windows) > 10_000:  # forget finished windows
                self._windows = {a: w for a, w in self._windows.items() if now - w[0] < WINDOW_S}
