"""The change feed never loses a change: atomic deletes on MongoDB, a cursor that never
jumps past an unsettled change, indexes, and tombstone pruning that says "reset"."""

from __future__ import annotations

import time

import pytest

from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client


def _page(c: Client, thread_id: str, since: str | None = None, limit: int = 200) -> dict:
    params: dict = {"token": TOKEN, "limit": limit}
    if since is not None:
        params["since"] = since
    r = c.http.get(f"{c.url}/api/v1/threads/{thread_id}/messages", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_mongo_delete_interrupted_midway_never_hides_the_deletion(tmp_path):
    """A crash inside delete_message (here: the sequence counter failing) must leave
    either the message or its tombstone, never neither."""
    backend = make_backend("mongo-local", tmp_path)
    store = backend.store
    store.create_thread({"id": "t", "name": "t", "users": [], "created_at": "x", "updated_at": "x"})
    doc = {"id": "m", "parent_thread": "t", "renders": [], "snapshot": {}}
    store.create_message(doc)
    real_next_seq = store._next_seq

    def crash() -> int:
        raise ConnectionError("server process killed")

    store._next_seq = crash
    with pytest.raises(ConnectionError):
        store.delete_message("m")
    store._next_seq = real_next_seq
    page = store.changes("t", 0, 100)
    still_there = [d["id"] for _s, _c, d in page.messages] == ["m"]
    announced = [i for _s, _c, i in page.deleted] == ["m"]
    assert still_there or announced
    if still_there:  # the delete can simply be retried
        assert store.delete_message("m") is not None
        assert [i for _s, _c, i in store.changes("t", 0, 100).deleted] == ["m"]


def test_full_page_never_moves_the_cursor_past_a_late_change(tmp_path):
    """With replicas, a change can take a sequence number before a change with a higher
    number becomes visible. A full page must not move the cursor past the gap."""
    backend = make_backend("mongo-local", tmp_path)
    store = backend.store
    with ThreadedServer(backend.app()) as server:
        c = Client(server.url)
        thread = c.create_thread()
        late_seq = store._next_seq()  # another replica's write, still in flight
        for _ in range(3):
            assert c.create_message(thread["id"]).status_code == 201
        first = _page(c, thread["id"], limit=2)
        assert len(first["messages"]) == 2
        # the in-flight write lands with its earlier number
        store._messages.insert_one({
            "_id": "late", "thread": thread["id"], "seq": late_seq,
            "changed_at": int(time.time() * 1000),
            "doc": {"id": "late", "parent_thread": thread["id"], "user_id": "bob",
                    "snapshot": {}, "snapshot_metadata": None, "renders": [],
                    "timestamp": "2026-11-24T10:00:00Z", "created_at": "2026-11-24T10:00:00Z"},
        })  # fmt: skip
        seen = {m["id"] for m in first["messages"]}
        cursor = first["cursor"]
        deadline = time.monotonic() + 8
        while "late" not in seen and time.monotonic() < deadline:
            page = _page(c, thread["id"], cursor, limit=2)
            seen |= {m["id"] for m in page["messages"]}
            cursor = page["cursor"]
            if not page["more"]:
                time.sleep(0.25)
    assert "late" in seen


def test_mongo_has_the_indexes_list_threads_and_cleanup_use(tmp_path):
    store = make_backend("mongo-local", tmp_path).store
    db = store._messages.database

    def keys(collection: str) -> set[tuple]:
        return {tuple(k for k, _ in i["key"]) for i in db[collection].index_information().values()}

    assert ("created_at", "_id") in keys("threads")
    assert ("thread", "seq") in keys("messages")
    assert ("deleted", "changed_at") in keys("messages")
    assert ("created_at",) in keys("uploads")
    assert ("message_id", "created_at") in keys("uploads")


@pytest.mark.parametrize("kind", ["sqlite-local", "mongo-local"])
def test_pruned_tombstones_send_old_cursors_a_reset(tmp_path, kind):
    backend = make_backend(kind, tmp_path)
    with ThreadedServer(backend.app()) as server:
        c = Client(server.url)
        thread = c.create_thread()
        keep = c.create_message(thread["id"]).json()
        gone = c.create_message(thread["id"]).json()
        settle = 2.1 if kind.startswith("mongo") else 0
        time.sleep(settle)
        old_cursor = _page(c, thread["id"])["cursor"]
        assert old_cursor != "0"
        assert (
            c.http.delete(
                f"{server.url}/api/v1/messages/{gone['id']}", params={"token": TOKEN}
            ).status_code
            == 200
        )
        time.sleep(0.01)
        assert backend.store.prune_tombstones(int(time.time() * 1000)) == 1
        later = c.create_message(thread["id"]).json()
        time.sleep(settle)  # let the changes settle

        stale = _page(c, thread["id"], old_cursor)
        assert stale["reset"] is True  # the deletion of `gone` is forgotten: say so
        assert [m["id"] for m in stale["messages"]] == [keep["id"], later["id"]]
        fresh = _page(c, thread["id"], stale["cursor"])
        assert fresh["reset"] is False and fresh["messages"] == []
        # a client starting from scratch pages without ever being told to reset
        first = _page(c, thread["id"], limit=1)
        assert first["reset"] is False and len(first["messages"]) >= 1
        second = _page(c, thread["id"], first["cursor"], limit=1)
        assert second["reset"] is False
        assert [m["id"] for m in first["messages"] + second["messages"]] == [
            keep["id"], later["id"]
        ]  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite-local", "mongo-local"])
def test_a_cursor_past_every_change_gets_a_reset_and_the_whole_thread(tmp_path, kind):
    """A database restored from an older backup: the client's cursor is newer than any
    change the store has. The poll says reset and starts the thread again (as the event
    stream does), instead of answering an empty page for ever."""
    backend = make_backend(kind, tmp_path)
    settle = 2.1 if kind.startswith("mongo") else 0
    with ThreadedServer(backend.app()) as server:
        c = Client(server.url)
        thread = c.create_thread()
        first = c.create_message(thread["id"]).json()
        assert backend.store.cursor() < 1000000
        page = _page(c, thread["id"], "1000000")
        assert page["reset"] is True
        assert [m["id"] for m in page["messages"]] == [first["id"]]
        assert int(page["cursor"]) <= backend.store.cursor()
        later = c.create_message(thread["id"]).json()
        time.sleep(settle)
        after = _page(c, thread["id"], page["cursor"])
        assert after["reset"] is False
        assert later["id"] in [m["id"] for m in after["messages"]]
        # the newest cursor the store handed out is not past every change
        newest = _page(c, thread["id"], str(backend.store.cursor()))
        assert newest["reset"] is False and newest["messages"] == []


def test_mongo_adopts_tombstones_kept_apart_by_older_servers():
    import mongomock

    from sequencer_server.store.mongo import MongoStore

    client = mongomock.MongoClient()
    db = client["legacy"]
    db["tombstones"].insert_one({"_id": "old", "thread": "t", "seq": 7, "changed_at": 1})
    db["messages"].insert_one(
        {"_id": "live", "thread": "t", "seq": 8, "changed_at": 2, "doc": {"id": "live"}}
    )
    db["counters"].insert_one({"_id": "changes", "value": 8})
    store = MongoStore(client, "legacy")
    page = store.changes("t", 0, 100)
    assert [i for _s, _c, i in page.deleted] == ["old"]
    assert [d["id"] for _s, _c, d in page.messages] == ["live"]
    assert store.get_message("old") is None
    assert db["tombstones"].count_documents({}) == 0
