"""The embedded default message store: one SQLite file in the data dir.

Several server processes may share the file (``--workers N``, or two servers pointed at one
data folder), so every read-modify-write runs inside one ``BEGIN IMMEDIATE`` transaction:
SQLite's file lock then serialises writers across processes, and a writer that finds the
lock taken waits (busy timeout) instead of failing. Within one process a lock guards the
shared connection. WAL keeps readers from blocking behind a writer.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sequencer_common.sqlite_db import Database
from sequencer_server.private_files import restrict
from sequencer_server.store.base import (
    LEGACY_UPLOADER,
    Change,
    ChangePage,
    DuplicateUpload,
    MessageIdRetired,
    RenderClaimConflict,
    StoreFull,
)
from sequencer_server.store.change_signals import (
    ChangeSignal,
    SQLiteDataVersion,
    SQLiteFileEvents,
)
from sequencer_server.store.sqlite_samples import (
    SQLiteSamples,
    create_sample_tables,
    sample_sizes_per_uploader,
)
from sequencer_server.store.sqlite_tables import add_column, check_room, stored_bytes
from sequencer_server.store.sqlite_users import SQLiteUsers, create_user_tables

log = logging.getLogger("sequencer_server.store.sqlite")

BUSY_TIMEOUT_S = 30.0
# 2: users and token hashes (sqlite_users); 3: samples (sqlite_samples); 4: keys per uploader;
# 5: sizes per uploader, indexed (the storage quota)
SCHEMA_VERSION = 5
SQLITE_FULL = 13

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS threads_created ON threads (created_at, id);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, thread TEXT NOT NULL, seq INTEGER NOT NULL,
    changed_at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_thread_seq ON messages (thread, seq);
CREATE TABLE IF NOT EXISTS tombstones (
    id TEXT PRIMARY KEY, thread TEXT NOT NULL, seq INTEGER NOT NULL, changed_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tombstones_thread_seq ON tombstones (thread, seq);
CREATE INDEX IF NOT EXISTS tombstones_changed ON tombstones (changed_at);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, message_id TEXT, created_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_message ON uploads (message_id);
CREATE INDEX IF NOT EXISTS uploads_created ON uploads (created_at);
CREATE INDEX IF NOT EXISTS messages_seq ON messages (seq);
CREATE INDEX IF NOT EXISTS tombstones_seq ON tombstones (seq);
-- Every deleted message's id, kept after its tombstone is pruned: ids are never reused.
CREATE TABLE IF NOT EXISTS retired_message_ids (id TEXT PRIMARY KEY);
INSERT OR IGNORE INTO retired_message_ids (id) SELECT id FROM tombstones;
CREATE TABLE IF NOT EXISTS thread_changes (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, changed_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS thread_changes_seq ON thread_changes (seq);
INSERT OR IGNORE INTO counters (name, value) VALUES ('changes', 0);
INSERT OR IGNORE INTO counters (name, value) VALUES ('pruned_through', 0);
"""


def _now_ms() -> int:
    return int(time.time() * 1000)


def _add_idempotency_keys(db: sqlite3.Connection) -> None:
    """Version 1: upload records carry their Idempotency-Key's hash, unique. Files made
    before versions were kept may have the column already."""
    add_column(db, "uploads", "idem", "TEXT")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS uploads_idem ON uploads (idem)")


def _idempotency_keys_per_uploader(db: sqlite3.Connection) -> None:
    """Version 4: an Idempotency-Key is unique per uploader, not across all users (another
    user holding the same key made a client's own retry 409, or replayed the other's
    render to it). Records from before uploaders were kept have none (LEGACY_UPLOADER)."""
    add_column(db, "uploads", "uploader", "TEXT")
    db.execute("UPDATE uploads SET uploader = json_extract(doc, '$.uploader')")
    db.execute("DROP INDEX IF EXISTS uploads_idem")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS uploads_owner_idem ON uploads (uploader, idem)")


def _sizes_per_uploader(db: sqlite3.Connection) -> None:
    """Version 5: an upload's size as a column beside its uploader, and both tables indexed
    on (uploader, size): the storage quota, asked at every upload, was a sum over every
    document of both tables (``json_extract`` on each row)."""
    add_column(db, "uploads", "size_bytes", "INTEGER")
    db.execute("UPDATE uploads SET size_bytes = json_extract(doc, '$.size_bytes')")
    db.execute("CREATE INDEX IF NOT EXISTS uploads_uploader_size ON uploads (uploader, size_bytes)")
    sample_sizes_per_uploader(db)


def _is_full(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return (code is not None and code & 0xFF == SQLITE_FULL) or "disk is full" in str(exc)


class SQLiteStore(SQLiteUsers, SQLiteSamples):
    name = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self._database = Database(path, busy_timeout=BUSY_TIMEOUT_S)
        # Private threads' messages: for the server's user only, with the WAL files that
        # SQLite made with the database's mode (private_files).
        for made in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
            restrict(made)
        self._db = self._database.connection
        self._lock = self._database.lock
        with self._tx():
            self._database.ensure_schema(
                SCHEMA,
                SCHEMA_VERSION,
                upgrades={
                    1: _add_idempotency_keys,
                    2: create_user_tables,
                    3: create_sample_tables,
                    4: _idempotency_keys_per_uploader,
                    5: _sizes_per_uploader,
                },
                what="server",
            )

    # -- helpers ---------------------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``, see the module's docstring). A full
        disk surfaces as ``StoreFull`` with SQLite's own words."""
        try:
            with self._database.transaction() as db:
                yield db
        except sqlite3.OperationalError as exc:
            if _is_full(exc):
                log.error("❌ SQLite cannot write: %s", exc)
                raise StoreFull(f"the message database cannot grow: {exc}") from exc
            raise

    def _next_seq(self) -> int:
        row = self._db.execute(
            "UPDATE counters SET value = value + 1 WHERE name = 'changes' RETURNING value"
        ).fetchone()
        return int(row[0])

    def _thread_changed(self, thread_id: str) -> None:
        """Threads take a number of the change sequence too, so the event stream can say
        when one was made or changed (kept apart so the threads table keeps its shape)."""
        self._db.execute(
            "INSERT OR REPLACE INTO thread_changes (id, seq, changed_at) VALUES (?,?,?)",
            (thread_id, self._next_seq(), _now_ms()),
        )

    def _one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        row = self._db.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    # -- threads ---------------------------------------------------------------------
    def create_thread(self, doc: dict[str, Any]) -> dict[str, Any]:
        with self._tx() as db:
            db.execute(
                "INSERT INTO threads (id, created_at, doc) VALUES (?, ?, ?)",
                (doc["id"], doc["created_at"], json.dumps(doc)),
            )
            self._thread_changed(doc["id"])
        return doc

    def list_threads(self) -> list[dict[str, Any]]:
        return self._docs("SELECT doc FROM threads ORDER BY created_at, id")

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._one("SELECT doc FROM threads WHERE id = ?", thread_id)

    def update_thread(self, thread_id: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        with self._tx() as db:
            doc = self._one("SELECT doc FROM threads WHERE id = ?", thread_id)
            if doc is None:
                return None
            doc.update(fields)
            db.execute("UPDATE threads SET doc = ? WHERE id = ?", (json.dumps(doc), thread_id))
            self._thread_changed(thread_id)
            return doc

    # -- messages --------------------------------------------------------------------
    def create_message(self, doc: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        with self._tx() as db:
            existing = self._one("SELECT doc FROM messages WHERE id = ?", doc["id"])
            if existing is not None:
                return existing, False
            retired = "SELECT 1 FROM retired_message_ids WHERE id = ?"
            if db.execute(retired, (doc["id"],)).fetchone():
                raise MessageIdRetired(doc["id"])
            db.execute(
                "INSERT INTO messages (id, thread, seq, changed_at, doc) VALUES (?,?,?,?,?)",
                (doc["id"], doc["parent_thread"], self._next_seq(), _now_ms(), json.dumps(doc)),
            )
            return doc, True

    def get_message(self, message_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._one("SELECT doc FROM messages WHERE id = ?", message_id)

    def attach_render(self, message_id: str, render: dict[str, Any]) -> bool:
        with self._tx() as db:
            doc = self._one("SELECT doc FROM messages WHERE id = ?", message_id)
            if doc is None:
                raise KeyError(message_id)
            if any(r.get("id") == render["id"] for r in doc.get("renders", [])):
                return False
            doc.setdefault("renders", []).append(render)
            db.execute(
                "UPDATE messages SET doc = ?, seq = ?, changed_at = ? WHERE id = ?",
                (json.dumps(doc), self._next_seq(), _now_ms(), message_id),
            )
            return True

    def delete_message(self, message_id: str) -> dict[str, Any] | None:
        with self._tx() as db:
            doc = self._one("SELECT doc FROM messages WHERE id = ?", message_id)
            if doc is None:
                return None
            db.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            db.execute(
                "INSERT OR REPLACE INTO tombstones (id, thread, seq, changed_at) VALUES (?,?,?,?)",
                (message_id, doc["parent_thread"], self._next_seq(), _now_ms()),
            )
            db.execute("INSERT OR IGNORE INTO retired_message_ids (id) VALUES (?)", (message_id,))
            return doc

    def changes(
        self, thread_id: str, since: int, limit: int, *, decoded: bool = True
    ) -> ChangePage:
        with self._lock:
            counters = dict(self._db.execute("SELECT name, value FROM counters").fetchall())
            pruned = counters["pruned_through"]
            reset = 0 < since < pruned or since > counters["changes"]
            start = 0 if reset else since
            # Below the pruned mark deletions are no longer known, so a scan never stops
            # there: everything up to it comes in one page, and no cursor a client holds
            # after a scan can fall in the forgotten range.
            floor = max(start, pruned)
            old = self._db.execute(
                "SELECT seq, changed_at, doc FROM messages WHERE thread = ? AND seq > ? "
                "AND seq <= ? ORDER BY seq",
                (thread_id, start, floor),
            ).fetchall()
            msgs = self._db.execute(
                "SELECT seq, changed_at, doc FROM messages WHERE thread = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (thread_id, floor, limit),
            ).fetchall()
            full = len(msgs) == limit
            sql = "SELECT seq, changed_at, id FROM tombstones WHERE thread = ? AND seq > ?"
            args: list[Any] = [thread_id, start]
            if full:
                sql += " AND seq <= ?"
                args.append(msgs[-1][0])
            dels = self._db.execute(sql + " ORDER BY seq", args).fetchall()
        return ChangePage(
            messages=[(s, c, json.loads(d) if decoded else d) for s, c, d in [*old, *msgs]],
            deleted=[(s, c, i) for s, c, i in dels],
            full=full,
            reset=reset,
        )

    def cursor(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM counters WHERE name = 'changes'").fetchone()
        return int(row[0])

    def pruned_through(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM counters WHERE name = 'pruned_through'"
            ).fetchone()
        return int(row[0])

    def change_signal(self) -> ChangeSignal:
        if SQLiteFileEvents.available():
            return SQLiteFileEvents(self._database.path)
        return SQLiteDataVersion(self._database.path)

    def changes_after(self, since: int, limit: int) -> list[Change]:
        with self._lock:
            msgs = self._db.execute(
                "SELECT seq, changed_at, thread, doc FROM messages WHERE seq > ? "
                "ORDER BY seq LIMIT ?",
                (since, limit),
            ).fetchall()
            dels = self._db.execute(
                "SELECT seq, changed_at, thread, id FROM tombstones WHERE seq > ? "
                "ORDER BY seq LIMIT ?",
                (since, limit),
            ).fetchall()
            threads = self._db.execute(
                "SELECT c.seq, c.changed_at, c.id, t.doc FROM thread_changes c "
                "JOIN threads t ON t.id = c.id WHERE c.seq > ? ORDER BY c.seq LIMIT ?",
                (since, limit),
            ).fetchall()
        out = [Change(s, c, "message", t, json.loads(d)) for s, c, t, d in msgs]
        out += [Change(s, c, "deleted", t, {"id": i, "parent_thread": t}) for s, c, t, i in dels]
        out += [Change(s, c, "thread", t, json.loads(d)) for s, c, t, d in threads]
        return sorted(out, key=lambda change: change.seq)[:limit]

    def prune_tombstones(self, older_than_ms: int) -> int:
        with self._tx() as db:
            row = db.execute(
                "SELECT COUNT(*), MAX(seq) FROM tombstones WHERE changed_at < ?", (older_than_ms,)
            ).fetchone()
            if not row[0]:
                return 0
            db.execute("DELETE FROM tombstones WHERE changed_at < ?", (older_than_ms,))
            db.execute(
                "UPDATE counters SET value = MAX(value, ?) WHERE name = 'pruned_through'",
                (row[1],),
            )
            return int(row[0])

    # -- uploads ---------------------------------------------------------------------
    def record_upload(self, doc: dict[str, Any], cap: int | None = None) -> None:
        key, uploader = doc.get("idempotency_key"), doc.get("uploader")
        try:
            with self._tx() as db:
                # A retry that lost the race to its twin is a replay, not a full store.
                taken = "SELECT 1 FROM uploads WHERE uploader = ? AND idem = ?"
                if key is not None and db.execute(taken, (uploader, key)).fetchone():
                    raise DuplicateUpload(key)
                check_room(db, uploader, doc.get("size_bytes", 0), cap)
                db.execute(
                    "INSERT INTO uploads (id, message_id, created_at, doc, idem, uploader, "
                    "size_bytes) VALUES (?,?,?,?,?,?,?)",
                    (
                        doc["id"],
                        doc.get("message_id"),
                        doc["created_at"],
                        json.dumps(doc),
                        key,
                        uploader,
                        doc.get("size_bytes", 0),
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise DuplicateUpload(key) from exc

    def _uploads(self, where: str, *args: Any) -> list[dict[str, Any]]:
        """Upload records with their ``message_id`` column folded into the document."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT doc, message_id FROM uploads WHERE {where}", args
            ).fetchall()
        return [{**json.loads(d), "message_id": m} for d, m in rows]

    def find_upload(self, uploader: str, idempotency_key: str) -> dict[str, Any] | None:
        if uploader == LEGACY_UPLOADER:
            where = "idem = ? AND (uploader = ? OR uploader IS NULL) ORDER BY uploader IS NULL"
        else:
            where = "idem = ? AND uploader = ?"
        return next(iter(self._uploads(where, idempotency_key, uploader)), None)

    def get_upload(self, render_id: str) -> dict[str, Any] | None:
        return next(iter(self._uploads("id = ?", render_id)), None)

    def claim_upload(self, render_id: str, message_id: str) -> None:
        with self._tx() as db:
            row = db.execute("SELECT message_id FROM uploads WHERE id = ?", (render_id,)).fetchone()
            if row is None:
                raise KeyError(render_id)
            if row[0] is not None and row[0] != message_id:
                raise RenderClaimConflict(row[0])
            db.execute("UPDATE uploads SET message_id = ? WHERE id = ?", (message_id, render_id))

    def uploads_for_message(self, message_id: str) -> list[dict[str, Any]]:
        return self._uploads("message_id = ?", message_id)

    def delete_upload(self, render_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM uploads WHERE id = ?", (render_id,))

    def unattached_uploads(self, created_before: str) -> list[dict[str, Any]]:
        return self._docs(
            "SELECT doc FROM uploads WHERE message_id IS NULL AND created_at < ?", created_before
        )

    def uploads_before(self, created_before: str) -> list[dict[str, Any]]:
        return self._uploads("created_at < ?", created_before)

    def bytes_stored_by(self, user_name: str) -> int:
        with self._lock:
            return stored_bytes(self._db, user_name)

    def ping(self) -> None:
        with self._lock:
            self._db.execute("SELECT 1 FROM counters LIMIT 1").fetchone()

    def close(self) -> None:
        self._database.close()
