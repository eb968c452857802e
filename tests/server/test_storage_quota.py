"""The storage quota (MAX_STORAGE_MB_PER_USER): read from an index or a running total, not
a scan of every record at every upload, and checked in the same atomic step that records
the file, so uploads racing at the cap cannot all pass a check made before any was
recorded."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mongomock
import pytest
import requests

from sequencer_server.storage.local import LocalStorage
from sequencer_server.store import QuotaExceeded
from sequencer_server.store.mongo import MongoStore
from sequencer_server.store.sqlite import SQLiteStore
from sequencer_server.store.sqlite_tables import STORED_BYTES
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import make_backend
from tests.server.helpers import Client, mp3_bytes, schema_4_file
from tests.server.sample_files import audio_bytes

MB = 1024 * 1024
RACERS = 8


class StoringTogether(LocalStorage):
    """Local storage whose puts wait for each other (at most a few seconds): every upload
    of the race has passed the early quota check before any of them is recorded."""

    def __init__(self, root: Path, parties: int) -> None:
        super().__init__(root)
        self.barrier = threading.Barrier(parties, timeout=5)

    def put(self, key, stream, size, content_type) -> None:  # type: ignore[no-untyped-def]
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait()
        super().put(key, stream, size, content_type)


@pytest.mark.parametrize("kind", ["sqlite-local", "mongo-local"])
def test_uploads_racing_at_the_cap_never_take_the_user_past_it(tmp_path, kind):
    backend = make_backend(
        kind, tmp_path, None, MAX_STORAGE_MB_PER_USER="1", MAX_UPLOADS_PER_CLIENT="16"
    )
    media = tmp_path / "media"
    backend.storage = StoringTogether(media, RACERS)
    take = mp3_bytes(seconds=20.0)  # 320 KB: three fit in 1 MB
    with ThreadedServer(backend.app()) as server:
        alice = add_user(backend.store, "alice")  # type: ignore[arg-type]

        def upload(_: int) -> requests.Response:
            return Client(server.url, alice).upload(data=take)

        with ThreadPoolExecutor(RACERS) as pool:
            answers = list(pool.map(upload, range(RACERS)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 3 + [413] * (RACERS - 3), [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 413):
        assert "MAX_STORAGE_MB_PER_USER" in refused.json()["detail"]
    stored = backend.store.bytes_stored_by("alice")  # type: ignore[attr-defined]
    assert stored == 3 * len(take) <= MB
    # the refused uploads' files were stored, then removed again
    assert len([p for p in media.rglob("*.mp3")]) == 3


@pytest.mark.parametrize("kind", ["sqlite-local", "mongo-local"])
def test_the_total_follows_uploads_samples_and_deletions(tmp_path, kind):
    backend = make_backend(kind, tmp_path, None, MAX_STORAGE_MB_PER_USER="1")
    store = backend.store
    with ThreadedServer(backend.app()) as server:
        alice = Client(server.url, add_user(store, "alice"))  # type: ignore[arg-type]
        take = alice.upload(data=mp3_bytes(seconds=20.0)).json()
        sample = audio_bytes(seconds=3.0)
        posted = alice.http.post(
            f"{server.url}/api/v1/samples",
            data={"token": alice.token},
            files={"file": ("hit.wav", sample, "audio/wav")},
        )
        assert posted.status_code == 201, posted.text
        assert store.bytes_stored_by("alice") == take["size_bytes"] + len(sample)  # type: ignore[attr-defined]
        store.delete_upload(take["id"])  # type: ignore[attr-defined]
        assert store.bytes_stored_by("alice") == len(sample)  # type: ignore[attr-defined]
        assert store.delete_sample(posted.json()["sha256"])  # type: ignore[attr-defined]
        assert store.bytes_stored_by("alice") == 0  # type: ignore[attr-defined]


def _doc(i: int, uploader: str, size: int) -> str:
    return json.dumps({"id": f"r{i}", "key": f"test/renders/r{i}.mp3", "format": "mp3",
                       "size_bytes": size, "uploader": uploader})  # fmt: skip


def test_a_schema_4_database_is_migrated_and_keeps_its_totals(tmp_path):
    path = tmp_path / "server-data" / "sequencer.sqlite3"
    path.parent.mkdir()
    schema_4_file(path)
    db = sqlite3.connect(path)
    for i, (who, size) in enumerate([("alice", 400_000), ("alice", 300_000), ("bob", 5)]):
        db.execute(
            "INSERT INTO uploads (id, message_id, created_at, doc, idem, uploader) "
            "VALUES (?, NULL, '2026-01-01T00:00:00Z', ?, NULL, ?)",
            (f"r{i}", _doc(i, who, size), who),
        )
    sample = {"sha256": "a" * 64, "key": "test/samples/a.wav", "size_bytes": 200_000,
              "uploader": "alice", "created_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    db.execute(
        "INSERT INTO samples (sha256, created_at, doc) VALUES (?, ?, ?)",
        (sample["sha256"], sample["created_at"], json.dumps(sample)),
    )
    db.commit()
    db.close()

    store = SQLiteStore(path)
    assert store._db.execute("PRAGMA user_version").fetchone()[0] == 5
    assert store.bytes_stored_by("alice") == 900_000
    assert store.bytes_stored_by("bob") == 5
    assert store.bytes_stored_by("cleo") == 0
    plan = " ".join(
        r[3] for r in store._db.execute("EXPLAIN QUERY PLAN " + STORED_BYTES, {"user": "alice"})
    )
    assert "COVERING INDEX uploads_uploader_size" in plan
    assert "COVERING INDEX samples_uploader_size" in plan
    store.close()

    # and the server holds alice to it: 900 KB kept, 320 KB more is past 1 MB
    backend = make_backend("sqlite-local", tmp_path, None, MAX_STORAGE_MB_PER_USER="1")
    with ThreadedServer(backend.app()) as server:
        alice = Client(server.url, add_user(backend.store, "alice"))  # type: ignore[arg-type]
        refused = alice.upload(data=mp3_bytes(seconds=20.0))
        assert refused.status_code == 413
        assert "you keep 0.9 MB" in refused.json()["detail"]
        assert alice.upload(data=mp3_bytes(seconds=2.0)).status_code == 200


def test_a_mongo_database_from_before_totals_counts_its_records():
    client = mongomock.MongoClient()
    old = client["old"]
    for i, (who, size) in enumerate([("alice", 400_000), ("alice", 300_000), ("bob", 5)], 1):
        record = {"id": f"r{i}", "idempotency_key": f"r{i}", "size_bytes": size, "uploader": who}
        old["uploads"].insert_one({"_id": f"r{i}", **record})
    sample = {"sha256": "a" * 64, "size_bytes": 200_000, "uploader": "alice", "refs": []}
    old["samples"].insert_one({"_id": "a" * 64, **sample})
    store = MongoStore(client, "old")
    assert store.bytes_stored_by("alice") == 900_000
    store.delete_upload("r1")
    assert store.bytes_stored_by("alice") == 500_000
    record = {"id": "r4", "key": "k", "idempotency_key": "r4", "size_bytes": 600_000}
    record.update(uploader="alice", created_at="2026-01-01T00:00:00Z")
    with pytest.raises(QuotaExceeded) as refused:
        store.record_upload(record, cap=MB)
    assert refused.value.used == 500_000
    store.record_upload({**record, "size_bytes": 500_000}, cap=MB)
    assert store.bytes_stored_by("alice") == 1_000_000
    assert store.bytes_stored_by("bob") == 5
    # a fresh store on the same database reads the kept totals
    assert MongoStore(client, "old").bytes_stored_by("alice") == 1_000_000
