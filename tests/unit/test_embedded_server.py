"""The embedded server: a real child process, started, used and stopped cleanly."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import requests

from desktop_app.services.api import ApiClient
from desktop_app.services.embedded_server import EmbeddedServer, wait_until_healthy


def test_start_use_stop_and_data_persists(tmp_path):
    server = EmbeddedServer(tmp_path / "data", log_file=tmp_path / "server.log")
    url, token = server.start()
    assert url.startswith("http://127.0.0.1:") and len(token) > 30
    assert wait_until_healthy(url)
    api = ApiClient(url, token)
    api.create_thread("Kept")
    process = server._process
    server.stop()
    assert process.returncode is not None and not server.running
    try:
        requests.get(f"{url}/healthz", timeout=1)
        raise AssertionError("server still answering")
    except requests.ConnectionError:
        pass

    again = EmbeddedServer(tmp_path / "data")
    url2, token2 = again.start()
    try:
        assert token2 != token
        assert [t.name for t in ApiClient(url2, token2).list_threads()] == ["Kept"]
    finally:
        again.stop()


def test_embedded_server_ignores_production_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MONGODB_URI", "mongodb://203.0.113.1:1")
    monkeypatch.setenv("S3_BUCKET_NAME", "prod-bucket")
    with EmbeddedServer(tmp_path / "data") as server:
        assert requests.get(f"{server.url}/healthz").json()["store"] == "sqlite"


def test_server_exits_when_its_parent_dies(tmp_path):
    script = (
        "import sys, time\n"
        "from desktop_app.services.embedded_server import EmbeddedServer\n"
        f"s = EmbeddedServer(__import__('pathlib').Path({str(tmp_path)!r}))\n"
        "s.start(); print(s._process.pid, flush=True); time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            break
        # reap if it became our zombie (it will not: it is the killed parent's child)
        time.sleep(0.1)
    else:
        os.kill(child_pid, signal.SIGKILL)
        raise AssertionError("embedded server outlived its parent")
    parent.stdout.close()


def test_a_child_that_dies_by_itself_is_reaped_and_reported(tmp_path):
    """Nobody polls or stops it: the server's own watcher reaps it (no zombie) and tells
    ``watch`` — also a watcher registered after the death."""
    import threading

    import psutil

    server = EmbeddedServer(tmp_path / "data")
    server.start()
    codes: list[int] = []
    told = threading.Event()
    server.watch(lambda code: (codes.append(code), told.set()))
    pid = server._process.pid
    os.kill(pid, signal.SIGKILL)
    try:
        assert told.wait(10), "the exit was not reported"
        assert codes == [-signal.SIGKILL]
        deadline = time.monotonic() + 5
        while psutil.pid_exists(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not psutil.pid_exists(pid), "left a zombie"
        late: list[int] = []
        server.watch(late.append)
        assert late == [-signal.SIGKILL]
    finally:
        server.stop()


def test_stopping_is_not_reported_as_an_exit(tmp_path):
    server = EmbeddedServer(tmp_path / "data")
    server.start()
    codes: list[int] = []
    server.watch(codes.append)
    server.stop()
    time.sleep(0.3)
    assert codes == []


def _ends(caplog) -> list[str]:
    """What the log says about servers ending (not starting)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "desktop_app.services.embedded_server" and " on http" not in r.getMessage()
    ]


def test_a_server_that_died_is_not_logged_as_stopped_too(tmp_path, caplog):
    """Closing the session of a server that died by itself stops it once more: its end
    was logged when it died, and "stopped" must not follow (it said so twice)."""
    import threading

    caplog.set_level(logging.INFO, "desktop_app.services.embedded_server")
    server = EmbeddedServer(tmp_path / "data")
    server.start()
    told = threading.Event()
    server.watch(lambda _code: told.set())
    pid = server._process.pid
    os.kill(pid, signal.SIGKILL)
    assert told.wait(10)
    server.stop()
    assert _ends(caplog) == [f"Embedded server (pid {pid}) exited by itself, exit code -9"]


def test_an_orderly_stop_is_logged_once_as_stopped(tmp_path, caplog):
    caplog.set_level(logging.INFO, "desktop_app.services.embedded_server")
    server = EmbeddedServer(tmp_path / "data")
    server.start()
    process = server._process
    server.stop()
    server.stop()  # again: nothing more to say
    assert _ends(caplog) == [f"Embedded server stopped (exit code {process.returncode})"]
