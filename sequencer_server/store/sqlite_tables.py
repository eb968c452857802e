"""What the SQLite store's table mixins (users, samples) share with the store itself: its
connection, lock and write transaction, documents read back from a ``doc`` column, and
schema steps that create a mixin's tables."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sequencer_common.sqlite_db import Database


class SQLiteTables:
    """Set by ``SQLiteStore``; a mixin reads under ``_lock`` and writes in ``_tx()``."""

    _database: Database
    _db: sqlite3.Connection
    _lock: threading.RLock
    _tx: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def _docs(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return self._database.documents(sql, *args)


def schema_step(statements: Sequence[str]) -> Callable[[sqlite3.Connection], None]:
    """An upgrade step of the server's schema: ``statements``, each ``… IF NOT EXISTS``, so
    a file that already has the tables is left as it is."""

    def step(db: sqlite3.Connection) -> None:
        for statement in statements:
            db.execute(statement)

    return step
