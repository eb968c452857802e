"""A full disk answers 507 with a clear detail, and the log keeps the real cause."""

from __future__ import annotations

import errno
import logging

from sequencer_server.threaded import ThreadedServer
from tests.conftest import make_backend
from tests.server.helpers import Client, pattern
from tests.server.test_bad_input import stored_objects


def test_message_create_on_a_full_database_is_507(tmp_path, caplog):
    backend = make_backend("sqlite-local", tmp_path)
    with ThreadedServer(backend.app()) as server:
        c = Client(server.url)
        thread = c.create_thread()
        db = backend.store._db  # SQLite's own size cap stands in for a full disk
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        big = pattern(notes="x" * 200_000)
        with caplog.at_level(logging.INFO):
            r = c.create_message(thread["id"], snapshot=big)
        assert r.status_code == 507, r.text
        assert "out of disk space" in r.json()["detail"]
        assert "database or disk is full" in caplog.text
        assert "cannot rollback" not in caplog.text
        db.execute(f"PRAGMA max_page_count = {pages * 1000}")
        assert c.create_message(thread["id"], snapshot=big).status_code == 201


def test_upload_onto_a_full_disk_is_507_and_leaves_nothing(tmp_path, caplog, monkeypatch):
    import sequencer_server.storage.local as local

    backend = make_backend("sqlite-local", tmp_path)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with ThreadedServer(backend.app()) as server:
        monkeypatch.setattr(local.os, "fsync", no_space)
        with caplog.at_level(logging.INFO):
            r = Client(server.url).upload()
    assert r.status_code == 507, r.text
    assert "out of disk space" in r.json()["detail"]
    assert "No space left on device" in caplog.text
    assert stored_objects(backend) == []
    assert backend.store.uploads_before("9999") == []


def test_mongodb_out_of_disk_space_is_507(tmp_path, caplog):
    from pymongo.errors import WriteError

    backend = make_backend("mongo-local", tmp_path)
    with ThreadedServer(backend.app()) as server:
        c = Client(server.url)
        thread = c.create_thread()

        def no_space(*args, **kwargs):  # what the driver raises when mongod's disk is full
            raise WriteError("No space left on device", code=14031)

        backend.store._messages.insert_one = no_space
        with caplog.at_level(logging.INFO):
            r = c.create_message(thread["id"])
    assert r.status_code == 507, r.text
    assert "out of disk space" in r.json()["detail"]
    assert "No space left on device" in caplog.text
