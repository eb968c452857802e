"""Storage failures, logging, configuration and the check-storage command."""

from __future__ import annotations

import logging

import pytest
import requests

from sequencer_server.check_storage import check_storage
from sequencer_server.config import ConfigError, Settings
from sequencer_server.storage import StorageError
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client, mp3_bytes


class BrokenStorage:
    """Wraps a real storage and fails the operations named in ``fail``."""

    def __init__(self, inner, fail: set[str]) -> None:
        self.inner = inner
        self.fail = fail
        self.name = inner.name

    def put(self, key, stream, size, content_type):
        if "put" in self.fail:
            raise StorageError("simulated outage", code="ServiceUnavailable")
        self.inner.put(key, stream, size, content_type)

    def delete(self, key):
        if "delete" in self.fail:
            raise StorageError("simulated outage", code="ServiceUnavailable")
        self.inner.delete(key)

    def url_for(self, key, base):
        return self.inner.url_for(key, base)

    def local_path(self, key):
        return self.inner.local_path(key)


def test_storage_failure_on_upload_is_500_and_leaves_no_record(tmp_path, caplog):
    backend = make_backend("sqlite-local", tmp_path)
    storage = BrokenStorage(backend.storage, {"put"})
    from sequencer_server.app import create_app

    app = create_app(backend.settings, store=backend.store, storage=storage)
    with caplog.at_level(logging.INFO), ThreadedServer(app) as server:
        r = Client(server.url).upload()
    assert r.status_code == 500
    assert r.json() == {"detail": "Failed to upload file to storage"}
    assert backend.store.unattached_uploads("9999") == []
    assert "❌ S3 Error" in caplog.text and "Error Code: ServiceUnavailable" in caplog.text


def test_storage_failure_on_delete_is_logged_counted_and_message_still_deleted(tmp_path, caplog):
    backend = make_backend("sqlite-local", tmp_path)
    storage = BrokenStorage(backend.storage, set())
    from sequencer_server.app import create_app

    app = create_app(backend.settings, store=backend.store, storage=storage)
    with ThreadedServer(app) as server:
        c = Client(server.url)
        thread = c.create_thread()
        message = c.create_message(thread["id"]).json()
        c.attach(message["id"], c.upload().json())
        storage.fail.add("delete")
        with caplog.at_level(logging.INFO):
            r = c.http.delete(
                f"{server.url}/api/v1/messages/{message['id']}", params={"token": TOKEN}
            )
    assert r.status_code == 200
    assert r.json()["renders_deleted"] == 1 and r.json()["storage_failures"] == 1
    assert backend.store.get_message(message["id"]) is None
    assert "⚠️  Failed to delete render from storage" in caplog.text
    # The record stays, pointing at the deleted message, for a later cleanup.
    assert len(backend.store.uploads_for_message(message["id"])) == 1


def test_token_never_logged(tmp_path, capfd):
    import io

    backend = make_backend("sqlite-local", tmp_path)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    loggers = [
        logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error", "sequencer_server")
    ]
    app = backend.app()  # installs the redaction filters
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        with ThreadedServer(app, log_level="info", access_log=True) as server:
            c = Client(server.url)
            c.create_thread()
            c.upload()
            requests.get(f"{server.url}/api/v1/threads", params={"token": TOKEN})
            requests.get(f"{server.url}/api/v1/threads", params={"token": "wrong-guess"})
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    out, err = capfd.readouterr()
    text = buffer.getvalue() + out + err
    assert "GET /api/v1/threads?token=***" in text
    assert "Upload successful" in text
    assert TOKEN not in text and "wrong-guess" not in text


def test_server_refuses_to_start_without_token(tmp_path):
    """Without API_TOKEN the server starts only when it has users."""
    from sequencer_server.app import create_app

    with pytest.raises(ConfigError, match="API_TOKEN is not set and the server has no users"):
        create_app(Settings.from_env({}, data_dir=tmp_path))
    import os

    from sequencer_server.__main__ import main

    saved = os.environ.pop("API_TOKEN", None)
    try:
        assert main(["--data-dir", str(tmp_path)]) == 2
    finally:
        if saved is not None:
            os.environ["API_TOKEN"] = saved


def test_config_from_environment(tmp_path):
    s = Settings.from_env(
        {
            "API_TOKEN": "t",
            "ENV": "prod",
            "S3_BUCKET_NAME": "b",
            "S3_ENDPOINT_URL": "https://fra1.digitaloceanspaces.com",
            "MONGODB_URI": "mongodb://db",
            "MONGODB_DB": "seq",
            "MAX_UPLOAD_MB": "5",
        },
        data_dir=tmp_path,
    )
    assert s.env == "prod" and s.s3.bucket == "b" and s.s3.region == "us-east-1"
    assert s.mongodb_uri == "mongodb://db" and s.mongodb_db == "seq"
    assert s.max_upload_bytes == 5 * 1024 * 1024
    with pytest.raises(ConfigError, match="MAX_UPLOAD_MB"):
        Settings.from_env({"API_TOKEN": "t", "MAX_UPLOAD_MB": "lots"}, data_dir=tmp_path)
    with pytest.raises(ConfigError, match="S3_BUCKET_NAME"):
        Settings.from_env({"API_TOKEN": "t", "S3_ACCESS_KEY": "k"}, data_dir=tmp_path)


def test_seed_public_url_format(tmp_path):
    from sequencer_server.storage.s3 import S3Storage

    s = Settings.from_env(
        {
            "API_TOKEN": "t",
            "S3_BUCKET_NAME": "your-bucket",
            "S3_ENDPOINT_URL": "https://fra1.digitaloceanspaces.com",
            "S3_ACCESS_KEY": "k",
            "S3_SECRET_KEY": "s",
        },
        data_dir=tmp_path,
    )
    storage = S3Storage(s.s3)
    assert (
        storage.public_url("prod/renders/a.mp3")
        == "https://your-bucket.fra1.digitaloceanspaces.com/prod/renders/a.mp3"
    )
    cdn = S3Storage(
        s.s3.__class__(**{**s.s3.__dict__, "public_base_url": "https://cdn.example.com/"})
    )
    assert cdn.public_url("k.mp3") == "https://cdn.example.com/k.mp3"


def test_large_upload_goes_through_s3_multipart(tmp_path, moto_endpoint):
    backend = make_backend("sqlite-s3", tmp_path, moto_endpoint)
    data = mp3_bytes() + bytes(20 * 1024 * 1024)
    with ThreadedServer(backend.app()) as server:
        r = Client(server.url).upload(data)
    assert r.status_code == 200, r.text
    key = f"test/renders/{r.json()['id']}.mp3"
    head = backend.storage.client.head_object(Bucket=backend.settings.s3.bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert "-" in head["ETag"]  # a multipart upload's ETag carries the part count


def test_media_supports_range_requests(live_server):
    c = Client(live_server)
    render = c.upload().json()
    r = requests.get(render["url"], headers={"Range": "bytes=10-19"})
    assert r.status_code == 206
    assert r.content == mp3_bytes()[10:20]
    assert r.headers["Content-Type"] == "audio/mpeg"


def test_healthz(live_server):
    r = requests.get(f"{live_server}/healthz")
    assert r.json()["status"] == "ok" and r.json()["store"] == "sqlite"
    assert requests.get(f"{live_server}/docs").status_code == 200


def test_check_storage_local(tmp_path):
    lines: list[str] = []
    s = Settings.from_env({"API_TOKEN": "t"}, data_dir=tmp_path)
    assert check_storage(s, lines.append) == 0
    assert any("Test PASSED" in line for line in lines)
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]


def _s3_env(endpoint: str, bucket: str) -> dict:
    return {
        "API_TOKEN": "t",
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY": "testing",
        "S3_SECRET_KEY": "testing",
        "S3_BUCKET_NAME": bucket,
        "ENV": "stage",
    }


def test_check_storage_s3(tmp_path, moto_endpoint):
    from tests.conftest import make_bucket

    lines: list[str] = []
    s = Settings.from_env(_s3_env(moto_endpoint, make_bucket(moto_endpoint)), data_dir=tmp_path)
    assert check_storage(s, lines.append) == 0
    text = "\n".join(lines)
    assert "Content-Type: audio/mpeg" in text and "📍 Public URL: http://renders-" in text


def test_check_storage_missing_bucket(tmp_path, moto_endpoint):
    lines: list[str] = []
    s = Settings.from_env(_s3_env(moto_endpoint, "no-such-bucket"), data_dir=tmp_path)
    assert check_storage(s, lines.append) == 1
    assert any("bucket does not exist" in line for line in lines)


def test_check_storage_unreachable_endpoint(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    lines: list[str] = []
    s = Settings.from_env(_s3_env(f"http://127.0.0.1:{port}", "b"), data_dir=tmp_path)
    assert check_storage(s, lines.append) == 1
    assert any("cannot reach the endpoint" in line for line in lines)


def test_check_storage_bad_credentials_diagnosis():
    from sequencer_server.check_storage import diagnose

    assert "S3_REGION=us-east-1" in diagnose("SignatureDoesNotMatch")
    assert "S3_ACCESS_KEY" in diagnose("InvalidAccessKeyId")
