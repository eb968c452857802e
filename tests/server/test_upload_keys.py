"""An upload's ``Idempotency-Key`` is its uploader's own. Clients derive keys from message
ids (``outbox-{message_id}``) that every reader of the thread sees: a key shared across
users let another user take it first, so the owner's upload was 409 forever, or, with the
same bytes, was handed the owner's render (a signed URL of a private recording)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import mongomock
import pytest

from sequencer_server.store.mongo import MongoStore
from sequencer_server.store.sqlite import SQLiteStore
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, Backend, make_backend
from tests.server.helpers import Client, mp3_bytes, schema_4_file

KEY = {"Idempotency-Key": "outbox-1b4e28ba-2fa1-11d2-883f-0016d3cca427"}


def _users(backend: Backend, url: str) -> dict[str, Client]:
    return {n: Client(url, add_user(backend.store, n)) for n in ("bob", "cleo")}


def test_a_key_taken_by_another_user_leaves_the_owners_upload_alone(live_backend):
    backend, url = live_backend
    users = _users(backend, url)
    bob, cleo = users["bob"], users["cleo"]
    other = mp3_bytes(seconds=0.7)
    squatted = cleo.upload(other, headers=KEY)
    assert squatted.status_code == 200, squatted.text
    mine = bob.upload(headers=KEY)
    assert mine.status_code == 200, mine.text
    assert mine.json()["id"] != squatted.json()["id"]
    again = bob.upload(headers=KEY)  # bob's retry is answered with bob's render
    assert again.status_code == 200 and again.json()["id"] == mine.json()["id"]
    # cleo's own retry still finds hers, and a different file under her key is still 409
    assert cleo.upload(other, headers=KEY).json()["id"] == squatted.json()["id"]
    assert cleo.upload(headers=KEY).status_code == 409


def test_the_same_bytes_under_another_users_key_get_a_render_of_their_own(live_backend):
    backend, url = live_backend
    users = _users(backend, url)
    bob, cleo = users["bob"], users["cleo"]
    mine = bob.upload(headers=KEY).json()
    copied = cleo.upload(headers=KEY)
    assert copied.status_code == 200
    assert copied.json()["id"] != mine["id"] and copied.json()["url"] != mine["url"]
    record = backend.store.get_upload(copied.json()["id"])
    assert record["uploader"] == "cleo"


def _old_sqlite_file(path) -> None:
    """A file of schema 3: Idempotency-Keys unique across users, no uploader column."""
    schema_4_file(path)
    db = sqlite3.connect(path)
    db.executescript(
        """
        DROP INDEX uploads_owner_idem;
        ALTER TABLE uploads DROP COLUMN uploader;
        CREATE UNIQUE INDEX uploads_idem ON uploads (idem);
        PRAGMA user_version = 3;
        """
    )
    old = '{"id": "r-old", "key": "test/renders/r-old.mp3", "format": "mp3", "size_bytes": 1}'
    db.execute(
        "INSERT INTO uploads (id, message_id, created_at, doc, idem) VALUES (?,?,?,?,?)",
        ("r-old", None, "2026-01-01T00:00:00Z", old, "old-key"),
    )
    db.execute(
        "INSERT INTO uploads (id, message_id, created_at, doc, idem) VALUES (?,?,?,?,?)",
        (
            "r-bob",
            None,
            "2026-01-01T00:00:00Z",
            old.replace("r-old", "r-bob")[:-1] + ', "uploader": "bob"}',
            "bob-key",
        ),
    )
    db.commit()
    db.close()


def _old_mongo_store() -> MongoStore:
    client = mongomock.MongoClient()
    uploads = client["old"]["uploads"]
    uploads.create_index("idempotency_key", unique=True, sparse=True)
    old = {"key": "test/renders/r-old.mp3", "format": "mp3", "size_bytes": 1}
    uploads.insert_one({"_id": "r-old", "id": "r-old", **old, "idempotency_key": "old-key",
                        "created_at": "2026-01-01T00:00:00Z", "message_id": None})  # fmt: skip
    uploads.insert_one({"_id": "r-bob", "id": "r-bob", **old, "idempotency_key": "bob-key",
                        "created_at": "2026-01-01T00:00:00Z", "message_id": None,
                        "uploader": "bob"})  # fmt: skip
    return MongoStore(client, "old")


@pytest.fixture(params=["sqlite", "mongo"])
def upgraded(request, tmp_path) -> Iterator[tuple[Backend, str]]:
    """A store made before keys were per uploader, opened by this server."""
    backend = make_backend("sqlite-local", tmp_path)
    backend.store.close()  # type: ignore[attr-defined]
    path = backend.settings.data_dir / "sequencer.sqlite3"  # type: ignore[attr-defined]
    if request.param == "sqlite":
        path.unlink()
        _old_sqlite_file(path)
        backend.store = SQLiteStore(path)
    else:
        backend.store = _old_mongo_store()
    with ThreadedServer(backend.app()) as server:
        yield backend, server.url


def test_records_of_an_older_store_keep_their_keys_for_their_uploader(upgraded):
    backend, url = upgraded
    users = _users(backend, url)
    bob, cleo, service = users["bob"], users["cleo"], Client(url, TOKEN)
    # the old record's key is the shared token's (it made every upload back then)
    replay = service.upload(headers={"Idempotency-Key": "old-key"})
    assert replay.status_code == 409  # a different file than the recorded one: found
    assert bob.upload(headers={"Idempotency-Key": "old-key"}).status_code == 200
    # bob's old key is bob's; cleo may use the same key for her own upload
    assert bob.upload(headers={"Idempotency-Key": "bob-key"}).status_code == 409
    assert cleo.upload(headers={"Idempotency-Key": "bob-key"}).status_code == 200
    again = cleo.upload(headers={"Idempotency-Key": "bob-key"})
    assert again.status_code == 200
    first = backend.store.find_upload("cleo", "bob-key")
    assert first is not None and again.json()["id"] == first["id"]
