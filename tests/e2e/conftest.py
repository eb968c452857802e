"""A server the tests can stop, restart and break, with the client's outbox beside it."""

from __future__ import annotations

import functools
from pathlib import Path

import lameenc
import numpy as np
import pytest

from desktop_app.services.api import ApiClient
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import AudioFile, Outbox
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend


@functools.cache
def _mp3(seconds: float) -> bytes:
    rate = 44100
    t = np.arange(int(rate * seconds)) / rate
    pcm = (np.sin(2 * np.pi * 110 * t) * 8000).astype(np.int16)
    enc = lameenc.Encoder()
    enc.set_bit_rate(320)
    enc.set_in_sample_rate(rate)
    enc.set_channels(1)
    enc.set_quality(7)
    return bytes(enc.encode(pcm.tobytes()) + enc.flush())


@pytest.fixture
def take(tmp_path) -> AudioFile:
    """A 20 s, 320 kbps MP3 recording (about 800 kB)."""
    path = tmp_path / "take.mp3"
    path.write_bytes(_mp3(20.0))
    return AudioFile(path=path, bitrate=320, duration=20.0, peaks=(0.1, 0.5, 0.9))


class Rig:
    """Server (any backend), a thread on it, and a client outbox."""

    def __init__(self, tmp_path: Path, backend) -> None:
        self.tmp = tmp_path
        self.backend = backend
        self.server: ThreadedServer | None = None
        self.outbox = Outbox(tmp_path / "client" / "outbox.sqlite3", tmp_path / "client" / "outbox")
        self.start_server()
        self.thread_id = self.api().create_thread("Takes").id

    def start_server(self, app=None) -> None:
        """Start (or restart, on the same port) the server."""
        port = self.server.port if self.server is not None else 0
        self.server = ThreadedServer(app or self.backend.app(), port=port).start()
        self.url = self.server.url

    def stop_server(self) -> None:
        assert self.server is not None
        self.server.stop()

    def api(self, url: str | None = None) -> ApiClient:
        return ApiClient(url or self.url, TOKEN, timeout=5.0)

    def delivery(self, url: str | None = None) -> Delivery:
        return Delivery(self.api(url), self.outbox)

    def server_messages(self) -> list:
        return self.api().list_messages(self.thread_id).messages

    def stored_uploads(self) -> int:
        store = self.backend.store
        return len(store.unattached_uploads("9999")) + sum(
            len(store.uploads_for_message(m.id)) for m in self.server_messages()
        )


@pytest.fixture(params=["sqlite-local", "mongo-s3"])
def rig(request, tmp_path):
    """Every delivery test runs against the embedded default and against MongoDB (mongomock)
    with renders in S3 (moto's server on loopback)."""
    endpoint = request.getfixturevalue("moto_endpoint") if "s3" in request.param else None
    r = Rig(tmp_path, make_backend(request.param, tmp_path, endpoint))
    yield r
    if r.server is not None:
        r.server.stop()
