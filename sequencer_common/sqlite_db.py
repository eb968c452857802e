"""One SQLite file shared by threads (and maybe processes): open, transact, version.

What the outbox, the local store and the audio cache index of the client and the
server's message store all need, and used to spell out each in its own way:

- one connection in autocommit mode guarded by a re-entrant lock, because worker threads
  and the GUI thread (or the server's request threads) share it;
- WAL, so readers do not wait behind a writer, and a busy timeout, so a writer that finds
  another process's lock waits instead of failing;
- write transactions that start with ``BEGIN IMMEDIATE``: SQLite's write lock is taken up
  front, so what a read-modify-write reads is still true when it writes, in every process;
- a schema version in ``PRAGMA user_version``, with upgrade steps, and a clear refusal of
  a file written by a newer version of the program.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

DEFAULT_BUSY_TIMEOUT_S = 30.0

Upgrade = Callable[[sqlite3.Connection], None]


class NewerSchemaError(RuntimeError):
    """The file was written by a newer version; opening it could lose what it holds."""

    def __init__(self, path: str, found: int, known: int, what: str) -> None:
        super().__init__(f"{path} was written by a newer {what} (version {found}; this is {known})")
        self.found = found
        self.known = known


def statements(script: str) -> list[str]:
    """The statements of a schema script, one per completed line group: ``executescript``
    would commit the open transaction, so a schema runs statement by statement."""
    found: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        found.append(pending.strip())
    return found


class Database:
    """``Database(path, busy_timeout=30.0, synchronous="NORMAL")``; ``close()`` when done.

    ``connection`` and ``lock`` are public for reads: ``with db.read() as conn`` holds the
    lock; ``with db.transaction() as conn`` writes. A transaction opened inside another on
    the same thread joins it (it commits with the outer one).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S,
        synchronous: Literal["OFF", "NORMAL", "FULL"] = "NORMAL",
    ) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout
        )
        self.lock = threading.RLock()
        self._depth = 0
        with self.lock:
            self.connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute(f"PRAGMA synchronous={synchronous}")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.connection

    def documents(self, sql: str, *args: object) -> list[Any]:
        """The JSON documents in the first column of the rows ``sql`` selects (every store
        here keeps a record as one JSON text beside the columns it is looked up by)."""
        with self.lock:
            rows = self.connection.execute(sql, args).fetchall()
        return [json.loads(r[0]) for r in rows]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed when the block ends and rolled back when it
        raises. SQLite may already have rolled back by itself (a full disk), so the
        rollback only runs while a transaction is open."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.connection
                finally:
                    self._depth -= 1
                return
            db = self.connection
            db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0

    def ensure_schema(
        self,
        schema: str,
        version: int,
        *,
        upgrades: Mapping[int, Upgrade] | None = None,
        what: str = "Sequencer",
    ) -> int:
        """In one transaction: refuse a file of a newer ``version`` (``NewerSchemaError``),
        run ``schema`` (``CREATE ... IF NOT EXISTS``), then ``upgrades[n]`` for every ``n``
        above the stored version up to ``version``, and store ``version``. Returns the
        version the file had (0 for a new file, or one made before versions were kept)."""
        with self.transaction() as db:
            found = int(db.execute("PRAGMA user_version").fetchone()[0])
            if found > version:
                raise NewerSchemaError(self.path, found, version, what)
            for statement in statements(schema):
                db.execute(statement)
            for step in range(found + 1, version + 1):
                if upgrades and step in upgrades:
                    upgrades[step](db)
            if found != version:
                db.execute(f"PRAGMA user_version = {int(version)}")
        return found

    def close(self) -> None:
        with self.lock:
            self.connection.close()
