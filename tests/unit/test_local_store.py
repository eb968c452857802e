"""LocalStore: the offline cache of threads and messages, on a real SQLite file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from desktop_app.domain.message import Message, Render, Thread
from desktop_app.services.local_store import LocalStore


def msg(mid: str, thread: str = "t1", ts: str = "2024-05-01T10:00:00Z", **kw) -> Message:
    return Message(
        id=mid,
        parent_thread=thread,
        user_id="ana",
        snapshot={"format": "sequencer.pattern", "bpm": 120, "future_key": [1, 2]},
        timestamp=ts,
        created_at=ts,
        **kw,
    )


@pytest.fixture
def store(tmp_path):
    s = LocalStore(tmp_path / "data" / "cache.sqlite3")
    yield s
    s.close()


def test_threads_upsert_list_replace(store):
    store.upsert_threads(
        [
            Thread("t1", "Drums", ("ana",), "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
            Thread("t2", "Bass", (), "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z"),
        ]
    )
    assert [t.name for t in store.list_threads()] == ["Bass", "Drums"]  # newest first
    store.upsert_threads([Thread("t1", "Drum ideas", ("ana",), "", "2024-01-04T00:00:00Z")])
    assert [t.name for t in store.list_threads()] == ["Drum ideas", "Bass"]

    store.upsert_messages([msg("m1", "t2")])
    store.replace_threads([Thread("t1", "Drum ideas")])
    assert [t.id for t in store.list_threads()] == ["t1"]
    assert store.list_messages("t2") == []  # a dropped thread takes its messages along


def test_messages_round_trip_in_order(store):
    r = Render(id="r1", url="http://h/r1.mp3", duration=2.5, peaks=(0.5, 1.0))
    store.upsert_messages(
        [
            msg("b", ts="2024-05-01T10:00:02Z"),
            msg("a", ts="2024-05-01T10:00:01Z", renders=(r,), extra={"reactions": ["+1"]}),
            msg("x", thread="t2"),
        ]
    )
    got = store.list_messages("t1")
    assert [m.id for m in got] == ["a", "b"]
    assert got[0].renders[0].peaks == (0.5, 1.0)
    assert got[0].extra == {"reactions": ["+1"]}  # unknown fields survive the cache
    assert got[0].snapshot["future_key"] == [1, 2]
    assert store.get_message("x").parent_thread == "t2"
    assert store.get_message("nope") is None

    store.upsert_messages([msg("b", ts="2024-05-01T10:00:02Z").with_render(r)])
    assert store.get_message("b").renders == (r,)
    assert len(store.list_messages("t1")) == 2

    store.delete_messages(["a"])
    assert [m.id for m in store.list_messages("t1")] == ["b"]

    store.replace_messages("t1", [msg("c")])
    assert [m.id for m in store.list_messages("t1")] == ["c"]
    assert [m.id for m in store.list_messages("t2")] == ["x"]


def test_cursor_and_reopen(tmp_path):
    path = tmp_path / "cache.sqlite3"
    s = LocalStore(path)
    s.upsert_threads([Thread("t1", "Drums")])
    s.upsert_messages([msg("m1")])
    s.set_cursor("t1", "c-42")
    assert s.get_cursor("t1") == "c-42"
    s.close()

    s = LocalStore(path)  # what the app sees on the next start, offline
    assert s.get_cursor("t1") == "c-42"
    assert [m.id for m in s.list_messages("t1")] == ["m1"]
    s.set_cursor("t1", None)
    assert s.get_cursor("t1") is None
    s.delete_thread("t1")
    assert s.list_threads() == [] and s.list_messages("t1") == []
    s.close()


def test_concurrent_writers(store):
    def write(n: int) -> None:
        store.upsert_messages(
            [msg(f"w{n}-{i}", ts=f"2024-05-01T10:{n:02d}:{i:02d}Z") for i in range(50)]
        )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.list_messages("t1")) == 200


def test_a_store_written_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    LocalStore(tmp_path / "s.sqlite3").close()
    conn = sqlite3.connect(tmp_path / "s.sqlite3")
    conn.execute("PRAGMA user_version = 9")
    conn.close()
    with pytest.raises(RuntimeError, match="newer Sequencer"):
        LocalStore(tmp_path / "s.sqlite3")
