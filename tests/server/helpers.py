"""Small helpers for the server tests."""

from __future__ import annotations

import functools
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import lameenc
import numpy as np
import requests

from tests.conftest import TOKEN, Backend, make_backend

ROOT = Path(__file__).parents[2]


def server_env(token: str | None = TOKEN, **settings: str) -> dict[str, str]:
    """The environment of a server in a process of its own: this checkout on the path,
    SQLite and a local folder (the run's S3 and MongoDB variables left out), ``token`` as
    ``API_TOKEN`` (``None``: only users' tokens let anyone in) and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "MONGODB_"))}
    env.pop("API_TOKEN", None)
    env.update(ENV="test", PYTHONPATH=str(ROOT), **settings)
    if token:
        env["API_TOKEN"] = token
    return env


@dataclass
class ServerProcess:
    ready: dict[str, Any]  # the server's --ready-json line: url, and fingerprint with TLS
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return self.ready["url"]


@contextmanager
def server_process(
    data_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    kill: bool = False,
    stderr: IO[str] | None = None,
) -> Iterator[ServerProcess]:
    """``sequencer-server`` on ``data_dir`` in a process of its own, on a free loopback
    port, until the block ends: then SIGTERM, or SIGKILL with ``kill`` (a graceful stop
    waits for open event streams). ``stderr``: where its log goes (else the test's)."""
    cmd = [sys.executable, "-m", "sequencer_server", "--port", "0", "--ready-json",
           "--log-level", "warning", "--data-dir", str(data_dir), *args]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        env=server_env() if env is None else env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield ServerProcess(json.loads(proc.stdout.readline()), proc)
    finally:
        if proc.poll() is None:
            proc.kill() if kill else proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def workers_server(data_dir: Path, env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """``sequencer-server --workers`` on ``data_dir`` in a process of its own, on a free
    loopback port: its URL once ``/healthz`` answers (with several workers the server
    prints no ``--ready-json`` line, so the port is picked here); SIGTERM afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [sys.executable, "-m", "sequencer_server", "--port", str(port), "--workers",
           str(workers), "--log-level", "warning", "--data-dir", str(data_dir)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, "the server exited before it answered"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@functools.cache
def mp3_bytes(seconds: float = 0.5, bitrate: int = 128) -> bytes:
    """A real MP3 of a quiet sine, encoded with lameenc."""
    rate = 44100
    t = np.arange(int(rate * seconds)) / rate
    pcm = (np.sin(2 * np.pi * 220 * t) * 3000).astype(np.int16)
    enc = lameenc.Encoder()
    enc.set_bit_rate(bitrate)
    enc.set_in_sample_rate(rate)
    enc.set_channels(1)
    enc.set_quality(7)
    return bytes(enc.encode(pcm.tobytes()) + enc.flush())


class Client:
    """requests against a live server, token in the seed's places by default."""

    def __init__(self, url: str, token: str | None = TOKEN) -> None:
        self.url = url
        self.token = token
        self.http = requests.Session()

    def create_thread(self, name: str = "Jam") -> dict:
        r = self.http.post(f"{self.url}/api/v1/threads", json={"token": self.token, "name": name})
        assert r.status_code == 201, r.text
        return r.json()

    def upload(
        self,
        data: bytes | None = None,
        *,
        token: Any = "default",
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> requests.Response:
        if token == "default":
            token = self.token
        # the token first, as clients should: a form the server cannot read past a bad
        # field is refused 401 unless its token came before
        form = {} if token is None else {"token": token}
        form.update({"format": "mp3", **{k: str(v) for k, v in fields.items()}})
        body = mp3_bytes() if data is None else data
        return self.http.post(
            f"{self.url}/api/v1/upload/audio",
            data=form,
            files={"file": ("take.mp3", body, "audio/mpeg")},
            headers=headers,
        )

    def create_message(self, thread_id: str, **extra: Any) -> requests.Response:
        body = {
            "token": self.token,
            "parent_thread": thread_id,
            "user_id": "alice",
            "snapshot": pattern(),
            "snapshot_metadata": {"bpm": 120},
            "renders": [],
            "timestamp": "2026-11-24T10:00:00Z",
            **extra,
        }
        return self.http.post(f"{self.url}/api/v1/messages", json=body)

    def attach(self, message_id: str, render: dict, token: Any = "default") -> requests.Response:
        body: dict[str, Any] = {"render": render}
        body["token"] = self.token if token == "default" else token
        return self.http.post(f"{self.url}/api/v1/messages/{message_id}/renders", json=body)

    def message_with_render(self, thread_id: str) -> tuple[dict, dict]:
        """A message with one uploaded render attached: ``(message, render)``."""
        message = self.create_message(thread_id).json()
        render = self.upload().json()
        attached = self.attach(message["id"], render)
        assert attached.status_code == 200, attached.text
        return message, render

    def message_created_with_render(self, thread_id: str, **extra: Any) -> tuple[dict, dict]:
        """A render uploaded, then a message created with it: ``(message, render)``."""
        render = self.upload().json()
        created = self.create_message(thread_id, renders=[render], **extra)
        assert created.status_code == 201, created.text
        return created.json(), render

    def changes(self, thread_id: str, since: str | None = None) -> dict:
        params = {"token": self.token}
        if since is not None:
            params["since"] = since
        r = self.http.get(f"{self.url}/api/v1/threads/{thread_id}/messages", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def raw_json(self, method: str, path: str, text: str) -> requests.Response:
        return self.http.request(
            method, f"{self.url}{path}", data=text, headers={"Content-Type": "application/json"}
        )


def pattern(**fields: Any) -> dict[str, Any]:
    """The smallest snapshot the server takes as a pattern, with ``fields`` over it."""
    return {
        "format": "sequencer.pattern",
        "version": "0.0.1",
        "bpm": 120,
        "length": 16,
        "tracks": [],
        **fields,
    }


def dump(obj: Any) -> str:
    return json.dumps(obj)


BACKEND_KINDS = ["sqlite-local", "mongo-s3"]


@contextmanager
def serve(request: Any, tmp_path: Path, **env: str) -> Iterator[tuple[Backend, Client]]:
    """The backend ``request.param`` (one of ``BACKEND_KINDS``) with ``env`` over real
    HTTP, and a client for it: what a parametrised ``served`` fixture yields."""
    from sequencer_server.threaded import ThreadedServer

    endpoint = request.getfixturevalue("moto_endpoint") if "s3" in request.param else None
    backend = make_backend(request.param, tmp_path, endpoint, **env)
    with ThreadedServer(backend.app()) as server:
        yield backend, Client(server.url)


def schema_4_file(path: Path) -> None:
    """A server database as schema 4 wrote it: sizes and sample uploaders only inside
    the documents (this server's file with what version 5 added taken away)."""
    from sequencer_server.store.sqlite import SQLiteStore

    SQLiteStore(path).close()
    db = sqlite3.connect(path)
    db.executescript(
        """
        DROP INDEX uploads_uploader_size;
        DROP INDEX samples_uploader_size;
        ALTER TABLE uploads DROP COLUMN size_bytes;
        ALTER TABLE samples DROP COLUMN size_bytes;
        ALTER TABLE samples DROP COLUMN uploader;
        PRAGMA user_version = 4;
        """
    )
    db.close()
