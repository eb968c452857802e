"""How a server process learns that its store may hold changes it has not read yet.

The event broker (``sequencer_server.events``) reads changes by their sequence number, so
it never misses or repeats one however it is woken; a signal only decides *when* to read.
Reading every tick costs a few queries four times a second for as long as anyone
listens, which is most of an idle embedded server's CPU. So each store says what is cheap
for it:

- ``EveryTick``: read at every tick (a MongoDB server that is not a replica set offers
  nothing better);
- ``SQLiteDataVersion``: ``PRAGMA data_version`` on a connection of its own changes when any
  other connection — another process, or this process's own writer — commits; the check
  reads a counter in shared memory, no table, so the tick costs microseconds;
- ``mongo_changes.ChangeStreamSignal``: a replica set pushes a change stream (see there).

Writes made through this process also wake the broker at once (``WakeOnWrite``), so the
tick only bounds how late another process's changes are seen.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("sequencer_server.events")

# Another process's change is read within a tick and a query: under the 250 ms promised.
TICK_S = 0.2


class ChangeSignal(Protocol):
    """``start(wake)`` once the broker has listeners (``wake`` may be called from any
    thread); ``changed()`` at each tick of ``interval_s``: read the store now?"""

    interval_s: float

    def start(self, wake: Callable[[], None]) -> None: ...
    def changed(self) -> bool: ...
    def close(self) -> None: ...


class EveryTick:
    """No cheaper test than the query itself: always read."""

    interval_s = TICK_S

    def start(self, wake: Callable[[], None]) -> None:
        return None

    def changed(self) -> bool:
        return True

    def close(self) -> None:
        return None


class SQLiteDataVersion:
    """``changed()`` is True when a commit happened since the last call (or the check
    itself failed, to be safe). Its own read-only connection: ``data_version`` only moves
    for commits by *other* connections, which then includes the store's own."""

    interval_s = TICK_S

    def __init__(self, path: str) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._seen: int | None = None

    def start(self, wake: Callable[[], None]) -> None:
        self.changed()

    def changed(self) -> bool:
        try:
            if self._db is None:
                self._db = sqlite3.connect(
                    f"file:{self._path}?mode=ro", uri=True, check_same_thread=False, timeout=1.0
                )
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as exc:
            log.debug("data_version unreadable (%s): reading the changes", exc)
            self.close()
            return True
        moved = version != self._seen
        self._seen = version
        return moved

    def close(self) -> None:
        db, self._db = self._db, None
        self._seen = None
        if db is not None:
            db.close()
