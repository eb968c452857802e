"""Fixtures shared by every layer: the real server on loopback, S3 on moto's threaded
server, MongoDB through mongomock (or a real server when MONGODB_URI is set)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PULSE_SERVER", "unix:/nonexistent")

# Nothing a test starts may read or write the user's own folders (~/.local/share/sequencer:
# a test that forgot SEQUENCER_HOME once ran its server on the real data, and failed when a
# newer build had written there). Every process the tests start inherits these.
_HOME_FOR_TESTS = Path(tempfile.mkdtemp(prefix="sequencer-tests-home-"))
atexit.register(shutil.rmtree, _HOME_FOR_TESTS, ignore_errors=True)
os.environ.pop("SEQUENCER_HOME", None)
for _var, _sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                   ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):  # fmt: skip
    os.environ[_var] = str(_HOME_FOR_TESTS / _sub)

TOKEN = "test-token-" + uuid.uuid4().hex[:8]
# The window and the command line take their server and name from these when set: a
# developer's shell must not point the tests (or the apps they start) at a real server.
for _name in ("SEQUENCER_SERVER_URL", "SEQUENCER_TOKEN", "SEQUENCER_USER"):
    os.environ.pop(_name, None)
S3_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto S3 server for the session: a real HTTP S3 endpoint on 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def make_bucket(endpoint: str) -> str:
    import boto3

    bucket = "renders-" + uuid.uuid4().hex[:12]
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **S3_KEYS)
    client.create_bucket(Bucket=bucket)
    return bucket


@dataclass
class Backend:
    """One server configuration: its settings, store and storage, not yet serving."""

    name: str
    settings: object
    store: object
    storage: object

    def app(self):
        from sequencer_server.app import create_app

        return create_app(self.settings, store=self.store, storage=self.storage)


def make_backend(kind: str, tmp_path: Path, moto_endpoint: str | None = None, **env) -> Backend:
    """kind is '<store>-<storage>': sqlite|mongo × local|s3."""
    from sequencer_server.config import Settings
    from sequencer_server.storage import storage_from_settings
    from sequencer_server.store.sqlite import SQLiteStore

    store_kind, storage_kind = kind.split("-")
    environ = {"API_TOKEN": TOKEN, "ENV": "test", **env}
    if storage_kind == "s3":
        assert moto_endpoint is not None
        environ.update(
            S3_ENDPOINT_URL=moto_endpoint,
            S3_REGION="us-east-1",
            S3_ACCESS_KEY="testing",
            S3_SECRET_KEY="testing",
            S3_BUCKET_NAME=make_bucket(moto_endpoint),
        )
    settings = Settings.from_env(environ, data_dir=tmp_path / "server-data")
    if store_kind == "mongo":
        from sequencer_server.store.mongo import MongoStore

        if os.environ.get("MONGODB_URI"):
            store = MongoStore.from_uri(os.environ["MONGODB_URI"], "test_" + uuid.uuid4().hex)
        else:
            import mongomock

            store = MongoStore(mongomock.MongoClient(), "sequencer_test")
    else:
        store = SQLiteStore(settings.data_dir / "sequencer.sqlite3")
    return Backend(kind, settings, store, storage_from_settings(settings))


BACKENDS = ["sqlite-local", "sqlite-s3", "mongo-local", "mongo-s3"]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Backend:
    endpoint = request.getfixturevalue("moto_endpoint") if "s3" in request.param else None
    return make_backend(request.param, tmp_path, endpoint)


@pytest.fixture
def live_backend(backend) -> Iterator[tuple[Backend, str]]:
    """The backend served over real HTTP by uvicorn on 127.0.0.1:0; yields (backend, url)."""
    from sequencer_server.threaded import ThreadedServer

    with ThreadedServer(backend.app()) as server:
        yield backend, server.url


@pytest.fixture
def live_server(tmp_path) -> Iterator[str]:
    """The embedded default (SQLite + local folder) over real HTTP; yields its URL.
    The token is ``tests.conftest.TOKEN``."""
    from sequencer_server.threaded import ThreadedServer

    backend = make_backend("sqlite-local", tmp_path)
    with ThreadedServer(backend.app()) as server:
        yield server.url


@pytest.fixture
def api(live_server):
    """A desktop ApiClient talking to ``live_server``."""
    from desktop_app.services.api import ApiClient

    return ApiClient(live_server, TOKEN, timeout=10.0)
