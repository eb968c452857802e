"""The embedded server's child process dies (killed, crashed): the app reaps it, says so,
starts a new one on the same data folder and reconnects — against real processes."""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path

import psutil
import requests

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.settings import Settings
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend


def _server_children(paths: AppPaths) -> list[psutil.Process]:
    """This process's embedded servers for ``paths``, found as a user would (ps)."""
    found = []
    for child in psutil.Process().children():
        try:
            cmdline = child.cmdline()
        except psutil.Error:
            continue
        if "--parent-pid" in cmdline and str(paths.server_data_dir) in cmdline:
            found.append(child)
    return found


def _reaped(pid: int) -> bool:
    """Gone for good: not running and not left a zombie (defunct)."""
    try:
        process = psutil.Process(pid)
        return process.ppid() != os.getpid()  # the pid went to someone else since
    except psutil.NoSuchProcess:
        return True


def _graph(qtbot, tmp_path: Path, **values: object) -> tuple[AppGraph, AppPaths]:
    paths = AppPaths.under(tmp_path / "home").ensure()
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"  # not a first start
    for name, value in values.items():
        setattr(settings, name, value)
    graph = AppGraph(paths, settings)
    qtbot.addWidget(graph.window)
    graph.start()
    indicator = graph.window.connection_indicator
    qtbot.waitUntil(lambda: indicator.status() == "connected", timeout=15000)
    return graph, paths


def _status_bar(graph: AppGraph) -> str:
    return graph.window.statusBar().currentMessage()


def test_a_killed_local_server_is_reaped_and_replaced(qtbot, tmp_path: Path, caplog) -> None:
    for name in ("desktop_app.services.embedded_server", "desktop_app.services.connection"):
        caplog.set_level(logging.INFO, name)
    graph, paths = _graph(qtbot, tmp_path)
    try:
        graph.connection.api.create_thread("Before the crash")
        old_connection = graph.connection
        [child] = _server_children(paths)
        child.kill()

        qtbot.waitUntil(lambda: graph.connection is not old_connection, timeout=20000)
        assert "The local server stopped (exit code -9)" in caplog.text
        assert _reaped(child.pid), "the dead server is left a zombie"
        [new_child] = _server_children(paths)
        assert new_child.pid != child.pid
        assert requests.get(f"{graph.connection.api.base_url}/healthz", timeout=5).ok
        indicator = graph.window.connection_indicator
        qtbot.waitUntil(lambda: indicator.status() == "connected", timeout=15000)
        assert indicator.text() == "Connected · Local server"
        state = graph.threads_state  # the same data folder: what was there is there
        qtbot.waitUntil(lambda: "Before the crash" in [t.name for t in state.threads])
    finally:
        graph.window.close()
        graph.shutdown()
    assert not _server_children(paths)
    # Each server's end is logged once, as what it was: the crash when it happened (not
    # again as "stopped" when its session closed), the replacement's orderly stop at quit.
    ends = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Embedded server")]
    ends = [m for m in ends if " on " not in m]  # not the "Embedded server on URL" starts
    assert len(ends) == 2, ends
    assert ends[0] == f"Embedded server (pid {child.pid}) exited by itself, exit code -9"
    assert ends[1].startswith("Embedded server stopped (exit code ")  # 0 or -15 (SIGTERM)
    stopping = [r for r in caplog.records if r.getMessage() == "stopping the embedded server"]
    assert len(stopping) == 1  # the dead one had nothing to stop
    # Each start is logged once too (the connection repeated the server's own line).
    ours = ("desktop_app.services.embedded_server", "desktop_app.services.connection")
    starts = [
        r.getMessage()
        for r in caplog.records
        if r.name in ours and "//127.0.0.1:" in r.getMessage()
    ]
    assert len(starts) == 2, starts  # the first server and its replacement


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _occupy(port: int, timeout: float = 10.0) -> socket.socket:
    """Take the shared port the moment the dead server lets go of it. No Qt events run
    meanwhile, so the app cannot restart its server first."""
    deadline = time.monotonic() + timeout
    while True:
        blocker = socket.socket()
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            blocker.bind(("127.0.0.1", port))
            blocker.listen()
            return blocker
        except OSError:
            blocker.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def test_a_shared_server_comes_back_on_its_address_after_failed_tries(
    qtbot, tmp_path: Path
) -> None:
    """Shared with the band: the new server takes the same address (bandmates reconnect).
    While it cannot start (the port is taken), each try says why and the next waits
    longer — no tight loop."""
    port = _free_port()
    graph, paths = _graph(qtbot, tmp_path, share_on_network=True, share_address=f"127.0.0.1:{port}")
    try:
        url = graph.connection.api.base_url
        assert url == f"https://127.0.0.1:{port}"
        old_connection = graph.connection
        [child] = _server_children(paths)
        child.kill()
        blocker = _occupy(port)
        try:
            qtbot.waitUntil(lambda: "did not start" in _status_bar(graph), timeout=20000)
            failed_at = time.monotonic()
            message = _status_bar(graph)
            assert "starting it again in 2 s" in message and "server.log" in message
            assert graph.connection is old_connection
        finally:
            blocker.close()
        qtbot.waitUntil(lambda: graph.connection is not old_connection, timeout=20000)
        assert time.monotonic() - failed_at > 1.5  # it waited as it said
        assert _reaped(child.pid)
        assert graph.connection.api.base_url == url
        qtbot.waitUntil(
            lambda: graph.window.connection_indicator.status() == "connected", timeout=15000
        )
    finally:
        graph.window.close()
        graph.shutdown()
    assert not _server_children(paths)


def test_a_remote_server_is_left_alone(qtbot, tmp_path: Path, caplog) -> None:
    """The band's server going away is its own business: the app goes offline and retries,
    and never starts a server of its own."""
    server = ThreadedServer(make_backend("sqlite-local", tmp_path).app()).start()
    try:
        graph, paths = _graph(qtbot, tmp_path, server_url=server.url, api_token=TOKEN)
        connection = graph.connection
        assert connection.embedded is None
        server.stop()
        graph.threads_state.refresh_threads()
        indicator = graph.window.connection_indicator
        qtbot.waitUntil(lambda: indicator.status() == "offline", timeout=15000)
        qtbot.wait(1000)
        assert graph.connection is connection
        assert not _server_children(paths)
        assert "local server" not in caplog.text.lower()
    finally:
        graph.window.close()
        graph.shutdown()
        server.stop()
