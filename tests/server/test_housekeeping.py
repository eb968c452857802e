"""Storage housekeeping: cleanup also finds files no record owns; /readyz checks the
store and the storage."""

from __future__ import annotations

import io
import os
import socket
import time
import uuid
from dataclasses import replace
from datetime import timedelta

import requests

from sequencer_server.app import create_app
from sequencer_server.cleanup import cleanup
from sequencer_server.storage.s3 import S3Storage
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client, mp3_bytes
from tests.server.test_bad_input import stored_objects

PREFIX = "test/renders/"


def _put(backend, key: str, age_s: float = 0) -> None:
    """A file written straight into storage, as a killed process would leave it."""
    backend.storage.put(key, io.BytesIO(mp3_bytes()), len(mp3_bytes()), "audio/mpeg")
    path = backend.storage.local_path(key)
    if path is not None and age_s:
        then = time.time() - age_s
        os.utime(path, (then, then))


def test_cleanup_removes_files_no_record_owns(live_backend):
    backend, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    message, kept = c.message_with_render(thread["id"])
    unattached_young = c.upload().json()  # a record, within the grace period: kept
    no_record = f"{PREFIX}{uuid.uuid4()}.mp3"  # killed between storage.put and record
    _put(backend, no_record, age_s=3 * 3600)
    foreign = f"other-env/renders/{uuid.uuid4()}.mp3"  # outside our prefix: never touched
    _put(backend, foreign, age_s=3 * 3600)
    if backend.storage.name == "local":
        # kill -9 during a local write leaves its temporary file
        part = backend.storage.root / "test" / "renders" / ".upload-abc123.part"
        part.write_bytes(b"half a render")
        then = time.time() - 3 * 3600
        os.utime(part, (then, then))
        young_part = part.with_name(".upload-young.part")
        young_part.write_bytes(b"being written right now")
    # S3 cannot backdate LastModified: there every file counts as old with a zero grace.
    grace = timedelta(hours=1) if backend.storage.name == "local" else timedelta(0)
    if backend.storage.name == "s3":
        time.sleep(1.1)  # LastModified has one-second resolution
        unattached_young = None

    lines: list[str] = []
    dry = cleanup(backend.store, backend.storage, older_than=grace, dry_run=True,
                  out=lines.append, renders_prefix=PREFIX)  # fmt: skip
    before = sorted(stored_objects(backend))
    report = cleanup(backend.store, backend.storage, older_than=grace, out=lines.append,
                     renders_prefix=PREFIX)  # fmt: skip
    after = "\n".join(stored_objects(backend))
    assert dry.removed == report.removed and sorted(stored_objects(backend)) != before
    assert no_record not in after and foreign in after
    assert kept["id"] in after
    if backend.storage.name == "local":
        assert ".upload-abc123.part" not in after and ".upload-young.part" in after
        assert unattached_young["id"] in after
        assert report.unrecorded == 2
    else:
        assert report.unrecorded == 1
    got = c.http.get(f"{url}/api/v1/messages/{message['id']}", params={"token": TOKEN}).json()
    assert [r["id"] for r in got["renders"]] == [kept["id"]]
    if backend.storage.name == "local":
        assert requests.get(got["renders"][0]["url"]).status_code == 200


def test_cleanup_command_lists_storage(tmp_path, monkeypatch, capsys):
    from sequencer_server.__main__ import main

    backend = make_backend("sqlite-local", tmp_path)
    key = f"{PREFIX}{uuid.uuid4()}.mp3"
    _put(backend, key, age_s=2 * 86400)
    backend.store.close()
    monkeypatch.setenv("API_TOKEN", TOKEN)
    monkeypatch.setenv("ENV", "test")
    assert main(["--data-dir", str(backend.settings.data_dir), "cleanup"]) == 0
    assert "1 orphaned render(s) removed" in capsys.readouterr().out
    assert stored_objects(backend) == []


# -- /readyz --------------------------------------------------------------------------


def test_readyz_ready(live_backend):
    _, url = live_backend
    r = requests.get(f"{url}/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready"}


def test_readyz_when_s3_is_down_or_the_bucket_is_gone(tmp_path, moto_endpoint):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    base = make_backend("sqlite-s3", tmp_path / "a", moto_endpoint)
    settings = replace(base.settings, s3=replace(base.settings.s3, endpoint_url=dead))
    down = create_app(settings, store=base.store, storage=S3Storage(settings.s3))
    with ThreadedServer(down) as server:
        assert requests.get(f"{server.url}/healthz").json()["status"] == "ok"
        started = time.monotonic()
        r = requests.get(f"{server.url}/readyz")
        assert time.monotonic() - started < 10
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable" and set(r.json()["failed"]) == {"storage"}
    assert "127.0.0.1" not in r.text and "testing" not in r.text

    gone = make_backend("sqlite-s3", tmp_path / "b", moto_endpoint)
    bucket = gone.settings.s3.bucket
    gone.storage.client.delete_bucket(Bucket=bucket)
    with ThreadedServer(gone.app()) as server:
        r = requests.get(f"{server.url}/readyz")
    assert r.status_code == 503 and r.json()["failed"] == {"storage": "404"}
    assert bucket not in r.text


def test_readyz_when_the_store_is_gone(tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    with ThreadedServer(backend.app()) as server:
        backend.store.close()
        r = requests.get(f"{server.url}/readyz")
    assert r.status_code == 503 and set(r.json()["failed"]) == {"store"}


def test_readyz_when_mongodb_is_down(tmp_path):
    from pymongo import MongoClient

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = make_backend("mongo-local", tmp_path)
    # The database goes away: the store's client now talks, through the real driver, to
    # a port nobody listens on.
    backend.store._client = MongoClient(
        f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=300, connect=False
    )
    with ThreadedServer(backend.app()) as server:
        r = requests.get(f"{server.url}/readyz")
    assert r.status_code == 503 and r.json()["failed"] == {"store": "ServerSelectionTimeoutError"}
    assert str(port) not in r.text


def test_cleanup_abandons_multipart_uploads_a_killed_process_left_open(tmp_path, moto_endpoint):
    backend = make_backend("sqlite-s3", tmp_path, moto_endpoint)
    client, bucket = backend.storage.client, backend.settings.s3.bucket
    ours = client.create_multipart_upload(Bucket=bucket, Key=f"{PREFIX}{uuid.uuid4()}.mp3")
    theirs = client.create_multipart_upload(Bucket=bucket, Key="other-env/renders/x.mp3")
    for started in (ours, theirs):
        client.upload_part(Bucket=bucket, Key=started["Key"], UploadId=started["UploadId"],
                           PartNumber=1, Body=bytes(1024))  # fmt: skip
    # (moto reports every multipart upload as begun in 2010, so the grace period for
    # uploads still on their way cannot be shown here; it is the same cutoff as files'.)
    lines: list[str] = []
    report = cleanup(backend.store, backend.storage, older_than=timedelta(0),
                     out=lines.append, renders_prefix=PREFIX)  # fmt: skip
    assert "1 unfinished upload(s) abandoned" in lines[-1]
    assert report.incomplete == 1 and report.failed == 0
    left = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [u["UploadId"] for u in left] == [theirs["UploadId"]]
