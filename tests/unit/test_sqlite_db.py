"""sequencer_common.sqlite_db: IMMEDIATE write transactions and schema versions."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from sequencer_common.sqlite_db import Database, NewerSchemaError, statements

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL  -- a comment; with a semicolon
);
INSERT OR IGNORE INTO counters (name, value) VALUES ('n', 0);
"""


def test_a_transaction_takes_the_write_lock_before_it_writes(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    db.ensure_schema(SCHEMA, 1)
    other = sqlite3.connect(tmp_path / "a.sqlite3", timeout=0, isolation_level=None)
    with db.transaction() as conn:
        conn.execute("SELECT value FROM counters").fetchone()  # read only, so far
        # A deferred BEGIN would still let the other writer in here; IMMEDIATE does not.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
    db.close()


def test_read_modify_writes_of_two_connections_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    Database(path).ensure_schema(SCHEMA, 1)

    def bump(times: int) -> None:
        db = Database(path)
        for _ in range(times):
            with db.transaction() as conn:
                (value,) = conn.execute("SELECT value FROM counters WHERE name='n'").fetchone()
                conn.execute("UPDATE counters SET value = ? WHERE name='n'", (value + 1,))
        db.close()

    workers = [threading.Thread(target=bump, args=(100,)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with Database(path).read() as conn:
        assert conn.execute("SELECT value FROM counters").fetchone()[0] == 200


def test_an_exception_rolls_back_and_nested_transactions_join(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    db.ensure_schema(SCHEMA, 1)
    with pytest.raises(KeyError), db.transaction() as conn:
        conn.execute("UPDATE counters SET value = 5")
        with db.transaction() as inner:
            inner.execute("UPDATE counters SET value = 6")
        raise KeyError("boom")
    with db.read() as conn:
        assert conn.execute("SELECT value FROM counters").fetchone()[0] == 0
        assert not conn.in_transaction
    with db.transaction() as conn:
        with db.transaction() as inner:
            inner.execute("UPDATE counters SET value = 7")
        assert conn.in_transaction  # the inner block did not commit on its own
    with db.read() as conn:
        assert conn.execute("SELECT value FROM counters").fetchone()[0] == 7


def test_schema_versions_upgrade_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    ran: list[int] = []

    def step(n: int):
        def upgrade(conn: sqlite3.Connection) -> None:
            ran.append(n)
            conn.execute(f"ALTER TABLE counters ADD COLUMN c{n} TEXT")

        return upgrade

    db = Database(path)
    assert db.ensure_schema(SCHEMA, 1, upgrades={1: step(1)}) == 0
    db.close()
    db = Database(path)
    assert db.ensure_schema(SCHEMA, 3, upgrades={1: step(1), 2: step(2), 3: step(3)}) == 1
    assert db.ensure_schema(SCHEMA, 3, upgrades={3: step(3)}) == 3  # nothing to do
    with db.read() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        columns = [r[1] for r in conn.execute("PRAGMA table_info(counters)")]
    assert ran == [1, 2, 3] and columns == ["name", "value", "c1", "c2", "c3"]
    db.close()


def test_a_failed_upgrade_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    Database(path).ensure_schema(SCHEMA, 1)

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE counters ADD COLUMN extra TEXT")
        raise ValueError("upgrade failed half way")

    db = Database(path)
    with pytest.raises(ValueError):
        db.ensure_schema(SCHEMA, 2, upgrades={2: broken})
    with db.read() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "extra" not in [r[1] for r in conn.execute("PRAGMA table_info(counters)")]


def test_a_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    Database(path).ensure_schema(SCHEMA, 4)
    with pytest.raises(NewerSchemaError, match=r"newer Sequencer \(version 4; this is 2\)"):
        Database(path).ensure_schema(SCHEMA, 2)


def test_statements_split_at_the_end_of_complete_statements() -> None:
    assert len(statements(SCHEMA)) == 2
    assert statements("SELECT 1;\n\n") == ["SELECT 1;"]


def test_documents_reads_the_json_of_the_selected_rows_in_order(tmp_path: Path) -> None:
    db = Database(tmp_path / "d.sqlite3")
    db.ensure_schema("CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, doc TEXT);", 1)
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO docs VALUES (?, ?)", [("b", '{"n": 2}'), ("a", '{"n": 1, "x": [true]}')]
        )
    assert db.documents("SELECT doc FROM docs ORDER BY id") == [{"n": 1, "x": [True]}, {"n": 2}]
    assert db.documents("SELECT doc FROM docs WHERE id = ?", "b") == [{"n": 2}]
    assert db.documents("SELECT doc FROM docs WHERE id = ?", "none") == []
    db.close()
