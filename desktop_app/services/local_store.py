"""The threads and messages last seen, in a small SQLite file in the data dir.

Why: the app must start and show (and play cached renders of) its threads with no network.
The server stays the source of truth; this is a cache that the GUI fills after every
successful fetch and reads first on start-up. Rows hold the message JSON exactly as the
server sent it, so fields this version does not know survive.

Thread-safe: one connection guarded by a lock, because the GUI reads and writes it from
``TaskRunner`` workers (never from the GUI thread).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from desktop_app.domain.message import Message, Thread
from sequencer_common.sqlite_db import Database

# 2: unread messages and muted threads; 3: the event stream's last id (new tables only)
SCHEMA_VERSION = 3
BUSY_TIMEOUT_S = 5.0  # sqlite3's default, what this store always waited

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_thread ON messages (thread_id, sort_key);
CREATE TABLE IF NOT EXISTS cursors (
    thread_id TEXT PRIMARY KEY,
    cursor TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS unread (
    message_id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    sort_key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS muted (
    thread_id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS event_cursor (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    last_event_id TEXT NOT NULL
);
"""


def _sort_key(message: Message) -> str:
    # The client's timestamp orders a conversation; created_at and id break ties stably.
    return f"{message.timestamp}|{message.created_at}|{message.id}"


class LocalStore:
    """``LocalStore(path)`` — opened (and created) at once; ``close()`` when done."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._database = Database(self.path, busy_timeout=BUSY_TIMEOUT_S)
        self._db = self._database.connection
        self._lock = self._database.lock
        self._tx = self._database.transaction
        try:
            self._database.ensure_schema(_SCHEMA, SCHEMA_VERSION)
        except BaseException:
            self._database.close()
            raise

    def close(self) -> None:
        self._database.close()

    # ---- threads ---------------------------------------------------------------------
    def upsert_threads(self, threads: Iterable[Thread]) -> None:
        rows = [(t.id, t.updated_at, json.dumps(t.to_json())) for t in threads]
        with self._tx():
            self._db.executemany(
                "INSERT INTO threads (id, updated_at, data) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET updated_at=excluded.updated_at, data=excluded.data",
                rows,
            )

    def replace_threads(self, threads: Iterable[Thread]) -> None:
        """The full list from the server: threads no longer there are dropped, with their
        messages."""
        threads = list(threads)
        keep = {t.id for t in threads}
        with self._tx():
            gone = [r[0] for r in self._db.execute("SELECT id FROM threads") if r[0] not in keep]
            for thread_id in gone:
                self._drop_thread(thread_id)
            self._db.executemany(
                "INSERT INTO threads (id, updated_at, data) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET updated_at=excluded.updated_at, data=excluded.data",
                [(t.id, t.updated_at, json.dumps(t.to_json())) for t in threads],
            )

    def list_threads(self) -> list[Thread]:
        """Most recently updated first, as the thread list shows them."""
        docs = self._database.documents("SELECT data FROM threads ORDER BY updated_at DESC")
        return [Thread.from_json(d) for d in docs]

    def delete_thread(self, thread_id: str) -> None:
        with self._tx():
            self._drop_thread(thread_id)

    def _drop_thread(self, thread_id: str) -> None:
        self._db.execute("DELETE FROM threads WHERE id = ?", (thread_id,))
        self._db.execute("DELETE FROM messages WHERE thread_id = ?", (thread_id,))
        self._db.execute("DELETE FROM cursors WHERE thread_id = ?", (thread_id,))
        self._db.execute("DELETE FROM unread WHERE thread_id = ?", (thread_id,))

    # ---- messages --------------------------------------------------------------------
    def upsert_messages(self, messages: Iterable[Message]) -> None:
        rows = [(m.id, m.parent_thread, _sort_key(m), json.dumps(m.to_json())) for m in messages]
        with self._tx():
            self._db.executemany(
                "INSERT INTO messages (id, thread_id, sort_key, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET thread_id=excluded.thread_id, "
                "sort_key=excluded.sort_key, data=excluded.data",
                rows,
            )

    def list_messages(self, thread_id: str) -> list[Message]:
        """Oldest first, the order of a conversation."""
        docs = self._database.documents(
            "SELECT data FROM messages WHERE thread_id = ? ORDER BY sort_key", thread_id
        )
        return [Message.from_json(d) for d in docs]

    def get_message(self, message_id: str) -> Message | None:
        docs = self._database.documents("SELECT data FROM messages WHERE id = ?", message_id)
        return Message.from_json(docs[0]) if docs else None

    def delete_messages(self, message_ids: Iterable[str]) -> None:
        ids = [(i,) for i in message_ids]
        with self._tx():
            self._db.executemany("DELETE FROM messages WHERE id = ?", ids)
            self._db.executemany("DELETE FROM unread WHERE message_id = ?", ids)

    # ---- unread messages and muted threads (kept per server, across starts) ----------
    def arrived(self, message: Message, *, unread: bool) -> bool:
        """A message pushed by the server: kept; True if it was new here (a render
        attached to a message already seen is not news). ``unread``: count it until its
        thread is opened."""
        row = (message.id, message.parent_thread, _sort_key(message), json.dumps(message.to_json()))
        with self._tx():
            known = self._db.execute(
                "SELECT 1 FROM messages WHERE id = ?", (message.id,)
            ).fetchone()
            self._db.execute(
                "INSERT INTO messages (id, thread_id, sort_key, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET thread_id=excluded.thread_id, "
                "sort_key=excluded.sort_key, data=excluded.data",
                row,
            )
            if unread and not known:
                self._db.execute(
                    "INSERT OR IGNORE INTO unread (message_id, thread_id, sort_key) "
                    "VALUES (?, ?, ?)",
                    row[:3],
                )
        return not known

    def unread_messages(self) -> dict[str, dict[str, tuple[str, str, str]]]:
        """Thread id → the unread message ids with their place in the conversation
        (timestamp, created_at, id). Only messages still here count: a row whose message
        went (deleted, or dropped with its thread) is forgotten now."""
        with self._tx():
            self._db.execute("DELETE FROM unread WHERE message_id NOT IN (SELECT id FROM messages)")
            rows = self._db.execute("SELECT thread_id, message_id, sort_key FROM unread").fetchall()
        unread: dict[str, dict[str, tuple[str, str, str]]] = {}
        for thread_id, message_id, sort_key in rows:
            timestamp, created_at, _ = f"{sort_key}||".split("|", 2)
            unread.setdefault(thread_id, {})[message_id] = (timestamp, created_at, message_id)
        return unread

    def mark_read(self, thread_id: str) -> str | None:
        """The thread was opened: nothing in it is unread any more. Returns the first
        message that was unread (where the "New" divider goes), if any."""
        with self._tx():
            row = self._db.execute(
                "SELECT message_id FROM unread WHERE thread_id = ? ORDER BY sort_key LIMIT 1",
                (thread_id,),
            ).fetchone()
            self._db.execute("DELETE FROM unread WHERE thread_id = ?", (thread_id,))
        return row[0] if row else None

    def muted_threads(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT thread_id FROM muted").fetchall()}

    def set_muted(self, thread_id: str, muted: bool) -> None:
        with self._tx():
            if muted:
                self._db.execute("INSERT OR IGNORE INTO muted (thread_id) VALUES (?)", (thread_id,))
            else:
                self._db.execute("DELETE FROM muted WHERE thread_id = ?", (thread_id,))

    def replace_messages(self, thread_id: str, messages: Iterable[Message]) -> None:
        """A thread's full list from the server: cached messages not in it are dropped."""
        messages = list(messages)
        with self._tx():
            self._db.execute("DELETE FROM messages WHERE thread_id = ?", (thread_id,))
            self._db.executemany(
                "INSERT OR REPLACE INTO messages (id, thread_id, sort_key, data) "
                "VALUES (?, ?, ?, ?)",
                [(m.id, m.parent_thread, _sort_key(m), json.dumps(m.to_json())) for m in messages],
            )
            # What the server no longer has is no longer unread either.
            self._db.execute(
                "DELETE FROM unread WHERE thread_id = ? AND message_id NOT IN "
                "(SELECT id FROM messages WHERE thread_id = ?)",
                (thread_id, thread_id),
            )

    # ---- the event stream's place --------------------------------------------------------
    def event_cursor(self) -> str | None:
        """The id of the last event this client had from the server's stream: the next
        session asks for what came after it, so what arrived while the app was closed
        comes as events too (others' messages in threads not open count as unread)."""
        with self._lock:
            row = self._db.execute("SELECT last_event_id FROM event_cursor").fetchone()
        return row[0] if row else None

    def set_event_cursor(self, last_event_id: str) -> None:
        with self._tx():
            self._db.execute(
                "INSERT INTO event_cursor (one, last_event_id) VALUES (1, ?) "
                "ON CONFLICT(one) DO UPDATE SET last_event_id=excluded.last_event_id",
                (last_event_id,),
            )

    # ---- poll cursors ----------------------------------------------------------------
    def get_cursor(self, thread_id: str) -> str | None:
        """The server's cursor after the last fetch, so a poll asks only for what changed."""
        with self._lock:
            row = self._db.execute(
                "SELECT cursor FROM cursors WHERE thread_id = ?", (thread_id,)
            ).fetchone()
        return row[0] if row else None

    def set_cursor(self, thread_id: str, cursor: str | None) -> None:
        with self._tx():
            if cursor is None:
                self._db.execute("DELETE FROM cursors WHERE thread_id = ?", (thread_id,))
            else:
                self._db.execute(
                    "INSERT INTO cursors (thread_id, cursor) VALUES (?, ?) "
                    "ON CONFLICT(thread_id) DO UPDATE SET cursor=excluded.cursor",
                    (thread_id, cursor),
                )
