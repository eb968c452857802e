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
- ``SQLiteFileEvents`` (Linux): the kernel says when any process writes the database's
  files (inotify), so nothing ticks at all while nothing happens — even a cheap tick
  costs a wake-up of the process, and those were most of an idle server's CPU;
- ``mongo_changes.ChangeStreamSignal``: a replica set pushes a change stream (see there).

Writes made through this process also wake the broker at once (``WakeOnWrite``), so the
tick only bounds how late another process's changes are seen.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import select
import sqlite3
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

log = logging.getLogger("sequencer_server.events")

# Another process's change is read within a tick and a query: under the 250 ms promised.
TICK_S = 0.2


class ChangeSignal(Protocol):
    """``start(wake)`` once the broker has listeners; ``changed()`` at each tick of
    ``interval_s`` and whenever the signal calls ``wake`` (from any thread): read the
    store now?"""

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


_IN_MODIFY, _IN_CREATE, _IN_MOVED_TO, _IN_Q_OVERFLOW = 0x2, 0x100, 0x80, 0x4000
_IN_CLOEXEC = 0o2000000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then the name)


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1  # noqa: B018 - present on every Linux C library since 2.6.27
    except (OSError, AttributeError):
        return None
    return libc


class SQLiteFileEvents(SQLiteDataVersion):
    """``data_version`` still decides whether there is news; what changes is when it is
    asked: whenever the kernel reports a write to the database, its WAL or its journal
    (``wake``), and otherwise only every ``SAFETY_TICK_S`` in case a notification was
    lost. ``available()`` is False off Linux; the store then ticks ``SQLiteDataVersion``."""

    SAFETY_TICK_S = 5.0
    interval_s = SAFETY_TICK_S

    def __init__(self, path: str) -> None:
        super().__init__(path)
        file = Path(path)
        self._folder = str(file.parent)
        self._names = {file.name, f"{file.name}-wal", f"{file.name}-journal"}
        self._fd: int | None = None
        self._stop_r, self._stop_w = -1, -1
        self._thread: threading.Thread | None = None
        # One commit is a dozen writes (WAL frames): one wake until ``changed()`` is asked.
        self._armed = True

    @staticmethod
    def available() -> bool:
        return _libc() is not None

    def start(self, wake: Callable[[], None]) -> None:
        super().start(wake)
        libc = _libc()
        fd = libc.inotify_init1(_IN_CLOEXEC) if libc is not None else -1
        if libc is None or fd < 0:
            self.interval_s = TICK_S  # no notifications: tick like SQLiteDataVersion
            return
        mask = _IN_MODIFY | _IN_CREATE | _IN_MOVED_TO
        if libc.inotify_add_watch(fd, os.fsencode(self._folder), mask) < 0:
            os.close(fd)
            self.interval_s = TICK_S
            return
        self._fd = fd
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(
            target=self._watch, args=(fd, wake), name="sqlite-watch", daemon=True
        )
        self._thread.start()

    def _watch(self, fd: int, wake: Callable[[], None]) -> None:
        while True:
            ready, _, _ = select.select([fd, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            data = os.read(fd, 65536)
            offset, ours = 0, False
            while offset + _EVENT.size <= len(data):
                _wd, mask, _cookie, size = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size : offset + _EVENT.size + size].rstrip(b"\0")
                offset += _EVENT.size + size
                ours = ours or bool(mask & _IN_Q_OVERFLOW) or os.fsdecode(name) in self._names
            if ours and self._armed:
                self._armed = False
                wake()

    def changed(self) -> bool:
        notified = not self._armed
        self._armed = True  # before reading: a commit after this read wakes again
        moved = super().changed()
        if self._fd is not None:
            # A commit's last write to the WAL comes just before SQLite makes it visible
            # (in the -shm index, which is mapped memory: no notification). A notification
            # that found nothing new may be that commit's: look again at the next short
            # tick, not in SAFETY_TICK_S (a revocation must end streams within a second).
            self.interval_s = TICK_S if notified and not moved else self.SAFETY_TICK_S
        return moved

    def close(self) -> None:
        if self._stop_w >= 0:
            os.write(self._stop_w, b"x")
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        for fd in (self._fd, self._stop_r, self._stop_w):
            if fd is not None and fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._fd, self._stop_r, self._stop_w = None, -1, -1
        super().close()
