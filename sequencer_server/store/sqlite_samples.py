"""Samples and their references in the SQLite store, as a mixin like the users one."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sequencer_server.store.sqlite_tables import SQLiteTables, add_column, check_room, schema_step

SAMPLES_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS samples (sha256 TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
    "doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS samples_created ON samples (created_at)",
    "CREATE TABLE IF NOT EXISTS sample_refs (message_id TEXT NOT NULL, sha256 TEXT NOT NULL, "
    "added_at TEXT NOT NULL, PRIMARY KEY (message_id, sha256))",
    "CREATE INDEX IF NOT EXISTS sample_refs_sha ON sample_refs (sha256)",
)


create_sample_tables = schema_step(SAMPLES_SCHEMA)  # schema version 3 of the server's file


def sample_sizes_per_uploader(db: sqlite3.Connection) -> None:
    """Part of version 5: who uploaded a sample and its size as indexed columns, so the
    storage quota adds them up from the index instead of reading every document."""
    add_column(db, "samples", "uploader", "TEXT")
    add_column(db, "samples", "size_bytes", "INTEGER")
    db.execute(
        "UPDATE samples SET uploader = json_extract(doc, '$.uploader'), "
        "size_bytes = json_extract(doc, '$.size_bytes')"
    )
    db.execute("CREATE INDEX IF NOT EXISTS samples_uploader_size ON samples (uploader, size_bytes)")


class SQLiteSamples(SQLiteTables):
    def record_sample(
        self, doc: dict[str, Any], cap: int | None = None
    ) -> tuple[dict[str, Any], bool]:
        with self._tx() as db:
            row = db.execute("SELECT doc FROM samples WHERE sha256 = ?", (doc["sha256"],))
            if (found := row.fetchone()) is not None:
                return json.loads(found[0]), False
            check_room(db, doc.get("uploader"), doc.get("size_bytes", 0), cap)
            db.execute(
                "INSERT INTO samples (sha256, created_at, doc, uploader, size_bytes) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    doc["sha256"],
                    doc["created_at"],
                    json.dumps(doc),
                    doc.get("uploader"),
                    doc.get("size_bytes", 0),
                ),
            )
            return doc, True

    def get_sample(self, sha256: str) -> dict[str, Any] | None:
        return next(iter(self._docs("SELECT doc FROM samples WHERE sha256 = ?", sha256)), None)

    def add_sample_refs(self, message_id: str, sha256s: list[str], at: str) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO sample_refs (message_id, sha256, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (message_id, sha256) DO UPDATE SET added_at = excluded.added_at",
                [(message_id, sha, at) for sha in sha256s],
            )

    def sample_refs(self, sha256: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT message_id FROM sample_refs WHERE sha256 = ? ORDER BY message_id",
                (sha256,),
            ).fetchall()
        return [r[0] for r in rows]

    def mark_sample_private(self, sha256: str) -> None:
        with self._tx() as db:
            row = db.execute("SELECT doc FROM samples WHERE sha256 = ?", (sha256,)).fetchone()
            if row is None:
                return
            doc = {**json.loads(row[0]), "private": True}
            db.execute("UPDATE samples SET doc = ? WHERE sha256 = ?", (json.dumps(doc), sha256))

    def add_sample_holder(self, sha256: str, user_name: str) -> None:
        with self._tx() as db:
            row = db.execute("SELECT doc FROM samples WHERE sha256 = ?", (sha256,)).fetchone()
            if row is None:
                return
            doc = json.loads(row[0])
            if user_name in doc.get("holders", []):
                return
            doc["holders"] = [*doc.get("holders", []), user_name]
            db.execute("UPDATE samples SET doc = ? WHERE sha256 = ?", (json.dumps(doc), sha256))

    def samples_before(self, created_before: str) -> list[dict[str, Any]]:
        return self._docs(
            "SELECT doc FROM samples WHERE created_at < ? ORDER BY created_at", created_before
        )

    def delete_sample(self, sha256: str, unless_referenced_since: str | None = None) -> bool:
        with self._tx() as db:
            if unless_referenced_since is not None:
                young = db.execute(
                    "SELECT 1 FROM sample_refs WHERE sha256 = ? AND added_at >= ? LIMIT 1",
                    (sha256, unless_referenced_since),
                ).fetchone()
                if young:
                    return False
            deleted = db.execute("DELETE FROM samples WHERE sha256 = ?", (sha256,)).rowcount
            db.execute("DELETE FROM sample_refs WHERE sha256 = ?", (sha256,))
            return deleted == 1
