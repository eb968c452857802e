"""Clients that stop sending: a stalled body is answered 408 and frees its upload slot; a
request head that never completes is dropped; both after REQUEST_TIMEOUT_S. A body that
keeps coming too slowly (under MIN_BODY_KB_PER_S on average once REQUEST_TIMEOUT_S has
passed) is answered 408 too; one above it is never cut off, however long it takes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from sequencer_server.config import Settings
from tests.conftest import TOKEN
from tests.server import raw_http as raw
from tests.server.helpers import BACKEND_KINDS, mp3_bytes, serve, server_env, server_process
from tests.server.limit_checks import stored_renders

TIMEOUT_S = 1.0
# 51 bytes/s: under it a trickle is cut within seconds, a steady slow JSON body passes.
MIN_KB_PER_S = 0.05


@pytest.fixture(params=BACKEND_KINDS)
def served(request, tmp_path) -> Iterator[tuple]:
    env = {"REQUEST_TIMEOUT_S": str(TIMEOUT_S), "MIN_BODY_KB_PER_S": str(MIN_KB_PER_S)}
    with serve(request, tmp_path, **env) as pair:
        yield pair


def _closed(sock: socket.socket) -> bool:
    """Whether the server ended the connection (nothing more comes, end of stream)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _cut_with_408(sock: socket.socket, *words: bytes) -> None:
    """The server's answer on ``sock``: a 408 that says ``words``, then the connection
    closed (the slot it held is given back)."""
    status, headers, body = raw.read_response(sock)
    assert status == 408, body
    for word in words:
        assert word in body
    assert headers.get("connection") == "close"
    assert _closed(sock)


def _slots_free_again(backend, c, start: float) -> None:
    """The slow requests were cut within TIMEOUT_S + 3 s of ``start``, and the four slots
    of the address are free again: an upload goes through and is stored."""
    assert time.monotonic() - start < TIMEOUT_S + 3
    r = c.upload()
    assert r.status_code == 200, r.text
    assert len(stored_renders(backend)) == 1


def test_stalled_uploads_are_answered_408_and_free_their_slots(served):
    backend, c = served
    head = raw.upload_head(4_000_000, TOKEN)
    start = time.monotonic()
    stalled = [raw.open_request(c.url, head, raw.FILE_PART_HEAD + mp3_bytes()) for _ in range(4)]
    try:
        for sock in stalled:
            _cut_with_408(sock, b"REQUEST_TIMEOUT_S")
    finally:
        for sock in stalled:
            sock.close()
    _slots_free_again(backend, c, start)


def test_a_slow_body_that_keeps_coming_is_not_cut_off(served):
    _backend, c = served
    thread = c.create_thread()
    body = (
        f'{{"token": "{TOKEN}", "parent_thread": "{thread["id"]}", "user_id": "alice", '
        '"text": "slow but steady"}'
    ).encode()
    head = raw.request_head(
        "POST",
        "/api/v1/messages",
        {"Content-Type": "application/json", "Content-Length": str(len(body))},
    )
    with raw.open_request(c.url, head, body[:10]) as sock:
        for i in range(10, len(body), 20):  # longer in all than the timeout, never idle
            time.sleep(TIMEOUT_S / 4)
            sock.sendall(body[i : i + 20])
        status, _headers, answer = raw.read_response(sock)
    assert status == 201, answer


def _send_paced(
    sock: socket.socket, data: bytes, bytes_per_s: float, stop: threading.Event
) -> None:
    """``data`` at ``bytes_per_s``, a piece every twentieth of a second (a byte at least),
    until it is all sent, ``stop`` is set or the server closes the connection."""
    interval = max(0.05, 1 / bytes_per_s)
    piece = max(1, round(bytes_per_s * interval))
    for start in range(0, len(data), piece):
        if stop.wait(interval):
            return
        try:
            sock.sendall(data[start : start + piece])
        except OSError:  # the server closed the connection
            return


@contextmanager
def paced(sock: socket.socket, data: bytes, bytes_per_s: float) -> Iterator[None]:
    """Send ``data`` at that rate on a thread of its own while the block reads."""
    stop = threading.Event()
    sender = threading.Thread(target=_send_paced, args=(sock, data, bytes_per_s, stop))
    sender.start()
    try:
        yield
    finally:
        stop.set()
        sender.join()


def _upload(data: bytes) -> tuple[str, bytes]:
    """The head and body of an audio upload of ``data`` with a Bearer token."""
    body = raw.form_part("format", "mp3") + raw.FILE_PART_HEAD + data
    body += f"\r\n--{raw.BOUNDARY}--\r\n".encode()
    return raw.upload_head(len(body), TOKEN), body


def test_trickled_uploads_are_answered_408_and_free_their_slots(served):
    """A byte every tenth of REQUEST_TIMEOUT_S never stalls, but averages 10 bytes/s."""
    backend, c = served
    head, body = _upload(mp3_bytes())
    start = time.monotonic()
    trickled = [raw.open_request(c.url, head) for _ in range(4)]  # every slot of the address
    try:
        with ExitStack() as senders:
            for sock in trickled:
                senders.enter_context(paced(sock, body, 10 / TIMEOUT_S))
            for sock in trickled:
                _cut_with_408(sock, b"too slow", b"MIN_BODY_KB_PER_S")
    finally:
        for sock in trickled:
            sock.close()
    # cut when the average falls under 51 bytes/s after the first second: at about 1.25 s
    _slots_free_again(backend, c, start)


@pytest.fixture(params=["sqlite-local"])  # the same middleware for every backend
def default_rate(request, tmp_path) -> Iterator[tuple]:
    """The default MIN_BODY_KB_PER_S, with a short REQUEST_TIMEOUT_S."""
    with serve(request, tmp_path, REQUEST_TIMEOUT_S="0.5") as pair:
        yield pair


@pytest.mark.parametrize(("times_the_minimum", "status"), [(2.0, 200), (0.5, 408)])
def test_an_upload_above_the_default_minimum_rate_passes_one_below_is_cut(
    default_rate, times_the_minimum, status
):
    """32 KB of MP3 at 16 KB/s takes 2 s, four times the grace: never cut off (as a 50 MB
    upload at 1 Mbit/s, 15 times the minimum, is not); at 4 KB/s it is, after 1 s."""
    backend, c = default_rate
    assert backend.settings.min_body_kb_per_s == 8
    head, body = _upload(mp3_bytes(seconds=2.0))
    assert len(body) > 30_000
    start = time.monotonic()
    with raw.open_request(c.url, head) as sock, paced(sock, body, times_the_minimum * 8192):
        sock.settimeout(10)
        got, _headers, answer = raw.read_response(sock)
    assert got == status, answer
    if status == 408:
        assert b"too slow" in answer
        assert time.monotonic() - start < 1.9  # before the whole body could have arrived


def test_an_event_stream_outlives_the_timeout(served):
    _backend, c = served
    head = raw.request_head("GET", f"/api/v1/events?token={TOKEN}", {})
    with raw.open_request(c.url, head) as sock:
        status, headers, _ = raw.read_response(sock)
        assert status == 200 and headers["content-type"].startswith("text/event-stream")
        time.sleep(TIMEOUT_S * 2.5)
        thread = c.create_thread("Still listening")
        seen = b""
        while thread["id"].encode() not in seen:  # the stream still delivers
            chunk = sock.recv(65536)
            assert chunk, "the event stream was closed"
            seen += chunk


@pytest.fixture(scope="module")
def server_url(tmp_path_factory) -> Iterator[str]:
    """``sequencer-server`` itself, as run in production, with a short REQUEST_TIMEOUT_S."""
    data_dir = tmp_path_factory.mktemp("slow-clients")
    with server_process(data_dir, env=server_env(REQUEST_TIMEOUT_S=str(TIMEOUT_S))) as s:
        yield s.url


def test_an_unfinished_request_head_is_answered_408_and_closed(server_url):
    with raw.open_request(server_url, "POST /api/v1/upload/audio HTTP/1.1\r\nHost: x") as sock:
        start = time.monotonic()
        status, headers, body = raw.read_response(sock)
        assert status == 408 and b"too long" in body
        assert headers.get("connection") == "close"
        assert _closed(sock)
    assert time.monotonic() - start < TIMEOUT_S + 3


def test_a_head_sent_a_byte_at_a_time_is_cut_off_at_the_deadline(server_url):
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100
    stop = threading.Event()
    with raw.connect(server_url) as sock:

        def trickle() -> None:  # a byte every tenth of the timeout: never idle for long
            for byte in head:
                if stop.wait(TIMEOUT_S / 10):
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:  # the server closed the connection
                    return

        sender = threading.Thread(target=trickle, daemon=True)
        start = time.monotonic()
        sender.start()
        try:
            status, _headers, _body = raw.read_response(sock)
        finally:
            stop.set()
            sender.join()
    assert status == 408
    assert time.monotonic() - start < TIMEOUT_S + 3


def test_a_connection_that_never_sends_is_closed_without_an_answer(server_url):
    with raw.connect(server_url) as sock:
        start = time.monotonic()
        assert sock.recv(65536) == b""
    assert TIMEOUT_S - 0.2 < time.monotonic() - start < TIMEOUT_S + 3


def test_keep_alive_requests_are_not_cut_off_by_the_head_deadline(server_url):
    """The deadline restarts with each request on a kept-alive connection."""
    head = raw.request_head("GET", "/healthz", {}).encode() + b"\r\n"
    with raw.connect(server_url) as sock:
        for _ in range(4):
            sock.sendall(head)
            status, _headers, _body = raw.read_response(sock)
            assert status == 200
            time.sleep(TIMEOUT_S * 0.6)  # under uvicorn's keep-alive timeout of 5 s


def test_the_timeout_comes_from_the_environment_and_must_be_positive(tmp_path):
    from sequencer_server.config import ConfigError, request_timeout_from_env

    settings = Settings.from_env({"API_TOKEN": "t", "REQUEST_TIMEOUT_S": "2.5"}, data_dir=tmp_path)
    assert settings.request_timeout_s == 2.5
    assert Settings.from_env({"API_TOKEN": "t"}, data_dir=tmp_path).request_timeout_s == 60
    assert request_timeout_from_env({"REQUEST_TIMEOUT_S": "7"}) == 7
    for bad in ("soon", "0", "-1", "nan"):
        with pytest.raises(ConfigError, match="REQUEST_TIMEOUT_S"):
            Settings.from_env({"API_TOKEN": "t", "REQUEST_TIMEOUT_S": bad}, data_dir=tmp_path)


def test_the_minimum_body_rate_comes_from_the_environment_and_must_be_positive(tmp_path):
    from sequencer_server.config import ConfigError

    settings = Settings.from_env({"API_TOKEN": "t", "MIN_BODY_KB_PER_S": "0.5"}, data_dir=tmp_path)
    assert settings.min_body_bytes_per_s == 512
    assert Settings.from_env({"API_TOKEN": "t"}, data_dir=tmp_path).min_body_kb_per_s == 8
    for bad in ("fast", "0", "-1", "nan", "inf"):
        with pytest.raises(ConfigError, match="MIN_BODY_KB_PER_S"):
            Settings.from_env({"API_TOKEN": "t", "MIN_BODY_KB_PER_S": bad}, data_dir=tmp_path)
