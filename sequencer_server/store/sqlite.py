"""The embedded default message store: one SQLite file in the data dir.

One connection guarded by a lock: the embedded server serves one musician, and SQLite
serialises writers anyway. WAL keeps readers from blocking behind a writer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sequencer_server.store.base import ChangePage, DuplicateUpload, RenderClaimConflict

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, thread TEXT NOT NULL, seq INTEGER NOT NULL,
    changed_at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_thread_seq ON messages (thread, seq);
CREATE TABLE IF NOT EXISTS tombstones (
    id TEXT PRIMARY KEY, thread TEXT NOT NULL, seq INTEGER NOT NULL, changed_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tombstones_thread_seq ON tombstones (thread, seq);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, message_id TEXT, created_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_message ON uploads (message_id);
INSERT OR IGNORE INTO counters (name, value) VALUES ('changes', 0);
"""


def _now_ms() -> int:
    return int(time.time() * 1000)


class SQLiteStore:
    name = "sqlite"

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(uploads)")}
            if "idem" not in columns:  # databases made before idempotent uploads
                self._db.execute("ALTER TABLE uploads ADD COLUMN idem TEXT")
            self._db.execute("CREATE UNIQUE INDEX IF NOT EXISTS uploads_idem ON uploads (idem)")

    # -- helpers ---------------------------------------------------------------------
    def _next_seq(self) -> int:
        self._db.execute("UPDATE counters SET value = value + 1 WHERE name = 'changes'")
        return self._db.execute("SELECT value FROM counters WHERE name = 'changes'").fetchone()[0]

    def _one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        row = self._db.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    # -- threads ---------------------------------------------------------------------
    def create_thread(self, doc: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._db.execute(
                "INSERT INTO threads (id, created_at, doc) VALUES (?, ?, ?)",
                (doc["id"], doc["created_at"], json.dumps(doc)),
            )
        return doc

    def list_threads(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM threads ORDER BY created_at, id").fetchall()
        return [json.loads(r[0]) for r in rows]

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._one("SELECT doc FROM threads WHERE id = ?", thread_id)

    def update_thread(self, thread_id: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            doc = self._one("SELECT doc FROM threads WHERE id = ?", thread_id)
            if doc is None:
                return None
            doc.update(fields)
            self._db.execute(
                "UPDATE threads SET doc = ? WHERE id = ?", (json.dumps(doc), thread_id)
            )
            return doc

    # -- messages --------------------------------------------------------------------
    def create_message(self, doc: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        with self._lock:
            existing = self._one("SELECT doc FROM messages WHERE id = ?", doc["id"])
            if existing is not None:
                return existing, False
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._next_seq()
                self._db.execute(
                    "INSERT INTO messages (id, thread, seq, changed_at, doc) VALUES (?,?,?,?,?)",
                    (doc["id"], doc["parent_thread"], seq, _now_ms(), json.dumps(doc)),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return doc, True

    def get_message(self, message_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._one("SELECT doc FROM messages WHERE id = ?", message_id)

    def attach_render(self, message_id: str, render: dict[str, Any]) -> bool:
        with self._lock:
            doc = self._one("SELECT doc FROM messages WHERE id = ?", message_id)
            if doc is None:
                raise KeyError(message_id)
            if any(r.get("id") == render["id"] for r in doc.get("renders", [])):
                return False
            doc.setdefault("renders", []).append(render)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._next_seq()
                self._db.execute(
                    "UPDATE messages SET doc = ?, seq = ?, changed_at = ? WHERE id = ?",
                    (json.dumps(doc), seq, _now_ms(), message_id),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return True

    def delete_message(self, message_id: str) -> dict[str, Any] | None:
        with self._lock:
            doc = self._one("SELECT doc FROM messages WHERE id = ?", message_id)
            if doc is None:
                return None
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._next_seq()
                self._db.execute("DELETE FROM messages WHERE id = ?", (message_id,))
                self._db.execute(
                    "INSERT OR REPLACE INTO tombstones (id, thread, seq, changed_at) "
                    "VALUES (?,?,?,?)",
                    (message_id, doc["parent_thread"], seq, _now_ms()),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return doc

    def changes(self, thread_id: str, since: int, limit: int) -> ChangePage:
        with self._lock:
            msgs = self._db.execute(
                "SELECT seq, changed_at, doc FROM messages WHERE thread = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (thread_id, since, limit),
            ).fetchall()
            upper = msgs[-1][0] if len(msgs) == limit else None
            sql = "SELECT seq, changed_at, id FROM tombstones WHERE thread = ? AND seq > ?"
            args: list[Any] = [thread_id, since]
            if upper is not None:
                sql += " AND seq <= ?"
                args.append(upper)
            dels = self._db.execute(sql + " ORDER BY seq", args).fetchall()
        return ChangePage(
            messages=[(s, c, json.loads(d)) for s, c, d in msgs],
            deleted=[(s, c, i) for s, c, i in dels],
        )

    # -- uploads ---------------------------------------------------------------------
    def record_upload(self, doc: dict[str, Any]) -> None:
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO uploads (id, message_id, created_at, doc, idem) "
                    "VALUES (?,?,?,?,?)",
                    (
                        doc["id"],
                        doc.get("message_id"),
                        doc["created_at"],
                        json.dumps(doc),
                        doc.get("idempotency_key"),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateUpload(doc.get("idempotency_key")) from exc

    def find_upload(self, idempotency_key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc, message_id FROM uploads WHERE idem = ?", (idempotency_key,)
            ).fetchone()
        return {**json.loads(row[0]), "message_id": row[1]} if row else None

    def get_upload(self, render_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc, message_id FROM uploads WHERE id = ?", (render_id,)
            ).fetchone()
        if row is None:
            return None
        doc = json.loads(row[0])
        doc["message_id"] = row[1]
        return doc

    def claim_upload(self, render_id: str, message_id: str) -> None:
        with self._lock:
            row = self._db.execute(
                "SELECT message_id FROM uploads WHERE id = ?", (render_id,)
            ).fetchone()
            if row is None:
                raise KeyError(render_id)
            if row[0] is not None and row[0] != message_id:
                raise RenderClaimConflict(row[0])
            self._db.execute(
                "UPDATE uploads SET message_id = ? WHERE id = ?", (message_id, render_id)
            )

    def uploads_for_message(self, message_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT doc, message_id FROM uploads WHERE message_id = ?", (message_id,)
            ).fetchall()
        return [{**json.loads(d), "message_id": m} for d, m in rows]

    def delete_upload(self, render_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM uploads WHERE id = ?", (render_id,))

    def unattached_uploads(self, created_before: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT doc FROM uploads WHERE message_id IS NULL AND created_at < ?",
                (created_before,),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def uploads_before(self, created_before: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT doc, message_id FROM uploads WHERE created_at < ?", (created_before,)
            ).fetchall()
        return [{**json.loads(d), "message_id": m} for d, m in rows]

    def ping(self) -> None:
        with self._lock:
            self._db.execute("SELECT 1").fetchone()

    def close(self) -> None:
        with self._lock:
            self._db.close()
