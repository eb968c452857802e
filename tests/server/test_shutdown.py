"""Stopping a server with bandmates listening: open event streams end at once, so the
server stops in a moment instead of waiting out its grace period (the desktop app gave its
embedded server 5 s, then killed it: every Quit with a bandmate connected took 5 s)."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import requests

from sequencer_server.__main__ import STREAM_SHUTDOWN_S, TLS_SHUTDOWN_S
from tests.conftest import TOKEN
from tests.server.helpers import server_process


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_open_event_streams_end_when_the_server_stops(tmp_path, tls: bool) -> None:
    args = ["--tls-self-signed"] if tls else []
    with server_process(tmp_path / "data", *args) as server:
        stream = requests.get(
            f"{server.url}/api/v1/events",
            headers={"Authorization": f"Bearer {TOKEN}"},
            stream=True,
            timeout=30,
            verify=False,  # the self-signed certificate; pinning is the client's (tested there)
        )
        assert stream.status_code == 200
        lines = stream.iter_lines()
        assert next(lines) == b"retry: 3000"  # the stream is open and served

        def listen() -> None:  # as the app's stream reader: read to the end, then close
            for _ in lines:
                pass
            stream.close()

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        # uvicorn raises the signal again once it has stopped gracefully
        assert server.proc.wait(timeout=30) in (0, -signal.SIGTERM)
        took = time.monotonic() - started
        reader.join(timeout=10)
        assert not reader.is_alive()  # the stream ended for its client too
    grace = TLS_SHUTDOWN_S if tls else STREAM_SHUTDOWN_S
    assert took < grace / 2, f"stopping took {took:.1f} s: the grace period was waited out"
