"""Users and token hashes in the SQLite store, as a mixin so the tables stay apart from
the message tables they never join."""

from __future__ import annotations

from typing import Any

from sequencer_server.store.sqlite_tables import SQLiteTables, schema_step

USERS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, admin INTEGER NOT NULL, "
    "created_at TEXT NOT NULL, last_seen TEXT, revoked INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS tokens_name ON tokens (name)",
)
_COLUMNS = "name, admin, created_at, last_seen, revoked"


def _user(row: tuple[Any, ...]) -> dict[str, Any]:
    name, admin, created_at, last_seen, revoked = row
    return {
        "name": name,
        "admin": bool(admin),
        "created_at": created_at,
        "last_seen": last_seen,
        "revoked": bool(revoked),
    }


create_user_tables = schema_step(USERS_SCHEMA)  # schema version 2 of the server's file


class SQLiteUsers(SQLiteTables):
    def create_user(self, name: str, admin: bool, created_at: str) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO users (name, admin, created_at) VALUES (?, ?, ?)",
                (name, int(admin), created_at),
            )
            return cursor.rowcount == 1

    def get_user(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (name,))
            found = row.fetchone()
        return _user(found) if found else None

    def list_users(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()
        return [_user(r) for r in rows]

    def count_users(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def add_token(self, name: str, token_hash: str, created_at: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO tokens (hash, name, created_at) VALUES (?, ?, ?)",
                (token_hash, name, created_at),
            )
            db.execute("UPDATE users SET revoked = 0 WHERE name = ?", (name,))

    def revoke_user(self, name: str) -> bool:
        with self._tx() as db:
            found = db.execute("UPDATE users SET revoked = 1 WHERE name = ?", (name,)).rowcount
            db.execute("DELETE FROM tokens WHERE name = ?", (name,))
            db.execute(
                "INSERT INTO counters (name, value) VALUES ('revocations', 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1"
            )
            return found == 1

    def revocations(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM counters WHERE name = 'revocations'"
            ).fetchone()
        return int(row[0]) if row else 0

    def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT users.name, admin, users.created_at, last_seen, revoked FROM tokens "
                "JOIN users ON users.name = tokens.name WHERE hash = ? AND revoked = 0",
                (token_hash,),
            ).fetchone()
        return _user(row) if row else None

    def touch_user(self, name: str, when: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE users SET last_seen = ? WHERE name = ?", (when, name))
