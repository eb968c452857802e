"""MongoDB's change stream as the event broker's change signal (replica sets only).

A change stream tells every server process of every write to the messages, threads and
tokens, whichever replica made it, without each of them querying four times a second. It is used
as a *signal*, not as the data: on each change the broker reads the change sequence after
its cursor, as it does everywhere else, so the stream's own delivery rules (a change seen
twice after a resume, a burst folded into one read) can neither repeat nor lose an event.

The stream's resume token is kept after every batch (MongoDB hands one out even when
nothing changed), and a stream that fails — the primary stepped down, the network went —
is reopened after it (``resume_after``): no change falls between two streams. While the
stream is down ``changed()`` says yes at every tick, so the broker polls as on a server
without change streams; once reopened it reads once more to catch up. A token too old for
the oplog starts a fresh stream (the read by sequence number covers the gap).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import OperationFailure, PyMongoError

from sequencer_server.store.change_signals import TICK_S

log = logging.getLogger("sequencer_server.events")

# Tokens too: a revocation deletes the user's tokens, and the broker reads the revocation
# counter only when it reads the change sequence (stream_access).
WATCHED = ("messages", "threads", "tokens")
AWAIT_MS = 1000  # how long one getMore waits on the server (bounds how fast close() is)
RETRY_S = (0.5, 1.0, 2.0, 5.0)
CHANGE_STREAM_HISTORY_LOST = 286


def is_replica_set(client: MongoClient) -> bool:
    """The ``hello`` command names the set of a replica set member (or a mongos in front
    of one); a standalone server — and mongomock — says nothing of the kind."""
    try:
        hello = client.admin.command("hello")
    except Exception as exc:  # an old server without hello, or a fake one
        log.info("MongoDB did not answer hello (%s): polling the change sequence", exc)
        return False
    return isinstance(hello, Mapping) and bool(
        hello.get("setName") or hello.get("msg") == "isdbgrid"
    )


class ChangeStreamSignal:
    """``ChangeStreamSignal(database)``: a daemon thread watches ``WATCHED`` collections and
    calls ``wake`` on each change; ``changed()`` is True once per batch of changes, and at
    every tick while the stream is down."""

    interval_s = TICK_S

    def __init__(self, database: Database, *, await_ms: int = AWAIT_MS) -> None:
        self._db = database
        self._await_ms = await_ms
        self.resume_token: Mapping[str, Any] | None = None
        self.live = False
        self.opened = 0  # streams opened (the first one and every resume), for tests
        self._pending = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake: Callable[[], None] = lambda: None

    def start(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._thread = threading.Thread(target=self._run, name="change-stream", daemon=True)
        self._thread.start()

    def changed(self) -> bool:
        if not self.live:
            return True
        pending, self._pending = self._pending, False
        return pending

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self._await_ms / 1000 + 2.0)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._watch()
                failures = 0
            except OperationFailure as exc:
                if exc.code == CHANGE_STREAM_HISTORY_LOST:
                    log.warning("Change stream history lost: starting a new stream")
                    self.resume_token = None
                failures += 1
                self._lost(exc)
            except PyMongoError as exc:
                failures += 1
                self._lost(exc)
            if failures:
                self._stop.wait(RETRY_S[min(failures, len(RETRY_S)) - 1])

    def _lost(self, exc: BaseException) -> None:
        if self.live:
            log.warning("Change stream lost (%s): polling until it is back", exc)
        self.live = False

    def _watch(self) -> None:
        pipeline = [{"$match": {"ns.coll": {"$in": list(WATCHED)}}}]
        with self._db.watch(
            pipeline, resume_after=self.resume_token, max_await_time_ms=self._await_ms
        ) as stream:
            self.opened += 1
            self.live = True
            self._signal()  # whatever happened while no stream was open
            while not self._stop.is_set() and stream.alive:
                change = stream.try_next()
                self.resume_token = stream.resume_token
                if change is not None:
                    self._signal()

    def _signal(self) -> None:
        self._pending = True
        self._wake()
