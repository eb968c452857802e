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
from sequencer_server.store.base import QuotaExceeded


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


def add_column(db: sqlite3.Connection, table: str, column: str, declaration: str) -> None:
    """``ALTER TABLE … ADD COLUMN`` unless the table has it (files made before versions
    were kept may have it already)."""
    if column not in {r[1] for r in db.execute(f"PRAGMA table_info({table})")}:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


# Each table's ``(uploader, size_bytes)`` index covers its sum: no document is read.
STORED_BYTES = (
    "SELECT (SELECT COALESCE(SUM(size_bytes), 0) FROM uploads WHERE uploader = :user)"
    " + (SELECT COALESCE(SUM(size_bytes), 0) FROM samples WHERE uploader = :user)"
)


def stored_bytes(db: sqlite3.Connection, user_name: str) -> int:
    """The bytes of the renders and samples ``user_name`` uploaded."""
    return int(db.execute(STORED_BYTES, {"user": user_name}).fetchone()[0])


def check_room(db: sqlite3.Connection, user_name: str | None, size: int, cap: int | None) -> None:
    """Raise QuotaExceeded unless ``size`` more bytes keep ``user_name`` within ``cap``.
    Called inside the write transaction that records the file: ``BEGIN IMMEDIATE`` holds
    the write lock from the sum to the insert, in every process."""
    if cap is None or user_name is None:
        return
    used = stored_bytes(db, user_name)
    if used + size > cap:
        raise QuotaExceeded(used)
