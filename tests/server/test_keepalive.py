"""Keep-alive requests are answered at once: the server's connections send small writes
without waiting for the client's delayed ACK (Nagle's algorithm off), on every way the
server is started, and the desktop client's own connections do the same.

Nagle with a delayed ACK costs about 40 ms per request on Linux, against 1-2 ms without:
the latency checks take the fastest of several requests, so a loaded machine only makes
them slower where a slow one cannot pass for a fast one."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from desktop_app.services.api import ApiClient
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import server_env, server_process, workers_server

# Nagle + delayed ACK is >= 40 ms a request; without it a healthz takes a few ms.
PROMPT_S = 0.02


def _nodelay(sock: socket.socket) -> bool:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def fastest_keepalive_request(url: str, path: str = "/healthz", rounds: int = 6) -> float:
    """Seconds the fastest of ``rounds`` requests took on one kept-alive connection, after
    a first request opened it."""
    with requests.Session() as http:
        assert http.get(url + path, timeout=10).status_code == 200
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = http.get(url + path, timeout=10)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200
    return min(times)


def test_accepted_connections_have_nagle_off(tmp_path):
    """The in-process server the tests and benchmarks use binds its socket the same way."""
    with ThreadedServer(make_backend("sqlite-local", tmp_path, None).app()) as server:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            for _ in range(2):
                conn.request("GET", "/healthz")
                assert conn.getresponse().read()
            protocols = list(server._server.server_state.connections)
            assert protocols, "the server holds no connection"
            sockets = [p.transport.get_extra_info("socket") for p in protocols]  # type: ignore[attr-defined]
            assert all(_nodelay(s) for s in sockets)
        finally:
            conn.close()


def test_second_keepalive_request_is_prompt_on_the_server_command(tmp_path):
    """``python -m sequencer_server``, which the desktop app starts as its embedded server."""
    with server_process(tmp_path / "data") as server:
        assert fastest_keepalive_request(server.url) < PROMPT_S
        assert fastest_keepalive_request(server.url, f"/api/v1/threads?token={TOKEN}") < PROMPT_S


@pytest.fixture
def workers_url(tmp_path: Path) -> Iterator[str]:
    with workers_server(tmp_path / "data", server_env()) as url:
        yield url


def test_second_keepalive_request_is_prompt_with_workers(workers_url):
    assert fastest_keepalive_request(workers_url) < PROMPT_S


@pytest.mark.parametrize("tls", [False, True], ids=["http", "pinned-https"])
def test_desktop_client_connections_have_nagle_off(tmp_path, tls):
    args = ("--tls-self-signed",) if tls else ()
    with server_process(tmp_path / "data", *args) as server:
        client = ApiClient(server.url, TOKEN, fingerprint=server.ready.get("fingerprint"))
        try:
            assert client.health()
            adapter = client._session.get_adapter(server.url + "/healthz")
            pools = list(adapter.poolmanager.pools._container.values())  # type: ignore[attr-defined]
            connections = [c for pool in pools for c in list(pool.pool.queue) if c is not None]
            sockets = [c.sock for c in connections if c.sock is not None]
            assert sockets, "the client kept no connection"
            assert all(_nodelay(s) for s in sockets)
        finally:
            client.close()
