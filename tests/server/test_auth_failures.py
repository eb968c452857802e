"""Guessing tokens: after 20 failures from one address within a minute the address gets
429 with Retry-After until the minute is over; failures are logged without the token; a
401 closes its connection once the request's body is in, and the app still hears it."""

from __future__ import annotations

import logging
import socket
import time

import pytest
import requests

from desktop_app.domain.draft import draft_with_text
from desktop_app.services.api import ApiClient, AuthError
from sequencer_server.auth_failures import DRAIN_S, FailureLimiter
from tests.conftest import TOKEN
from tests.server import raw_http as raw
from tests.server.helpers import mp3_bytes


def test_twenty_failures_then_429_with_retry_after(live_backend, caplog):
    _backend, url = live_backend
    caplog.set_level(logging.WARNING, logger="sequencer_server.auth")
    guesses = [f"guess-{i:02d}-secret" for i in range(20)]
    for guess in guesses:
        r = requests.get(f"{url}/api/v1/threads", params={"token": guess})
        assert r.status_code == 401
    blocked = requests.get(f"{url}/api/v1/threads", params={"token": TOKEN})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    # the JSON and upload routes are closed too, and nothing is stored meanwhile
    r = requests.post(f"{url}/api/v1/threads", json={"token": TOKEN, "name": "x"})
    assert r.status_code == 429
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "Invalid API token from 127.0.0.1" in logged
    assert not any(g in logged for g in guesses)


def test_the_window_ends_after_a_minute():
    now = [1000.0]
    limiter = FailureLimiter(limit=20, clock=lambda: now[0])
    for _ in range(19):
        limiter.failed("10.0.0.9")
    assert limiter.retry_after("10.0.0.9") is None
    limiter.failed("10.0.0.9")
    assert limiter.retry_after("10.0.0.9") == 60
    assert limiter.retry_after("10.0.0.8") is None  # per address
    now[0] += 45
    assert limiter.retry_after("10.0.0.9") == 15
    now[0] += 15
    assert limiter.retry_after("10.0.0.9") is None
    limiter.failed("10.0.0.9")  # a new window, counting from one
    assert limiter.retry_after("10.0.0.9") is None


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/threads", b""),
        ("GET", "/api/v1/events", b""),
        ("DELETE", "/api/v1/messages/x", b""),
        # read before the answer (a JSON route refuses the Bearer before reading)
        ("POST", "/api/v1/threads", b'{"name": "Jam"}'),
        ("POST", "/api/v1/messages", b'{"parent_thread": '),
    ],
)
def test_a_wrong_token_is_answered_401_and_the_connection_closed(served, method, path, body):
    """A guesser cannot try token after token on one kept-alive connection."""
    _backend, c = served
    headers = {"Authorization": "Bearer guess-0001", "Content-Type": "application/json"}
    head = raw.request_head(method, path, {**headers, "Content-Length": str(len(body))})
    with raw.open_request(c.url, head, body) as sock:
        status, got, answer = raw.read_response(sock)
        assert status == 401, answer
        assert got["connection"] == "close"
        assert _closed(sock)


def test_the_right_token_keeps_its_connection(served):
    _backend, c = served
    head = raw.request_head("GET", "/api/v1/threads", {"Authorization": f"Bearer {TOKEN}"})
    with raw.connect(c.url) as sock:
        for _ in range(3):
            sock.sendall(head.encode() + b"\r\n")
            status, got, _answer = raw.read_response(sock)
            assert status == 200 and "connection" not in got


def test_a_refused_upload_still_being_sent_keeps_its_connection_to_hear_the_401(served):
    """Closing it would reset the upload under the client before it read the answer."""
    _backend, c = served
    head = raw.upload_head(4_000_000, "guess-0002")
    with raw.open_request(c.url, head, raw.FILE_PART_HEAD) as sock:
        status, got, _answer = raw.read_response(sock)
        assert status == 401 and "connection" not in got


def test_a_small_body_that_never_comes_delays_the_401_by_a_second_at_most(served):
    """Read before the answer so that it may close: one that does not arrive is waited
    for briefly, and its connection kept (it might still be on its way)."""
    _backend, c = served
    head = raw.request_head(
        "POST",
        "/api/v1/threads",
        {"Authorization": "Bearer guess-0004", "Content-Length": "40"},
    )
    start = time.monotonic()
    with raw.open_request(c.url, head, b'{"name": ') as sock:
        status, got, _answer = raw.read_response(sock)
        assert status == 401 and "connection" not in got
    assert DRAIN_S - 0.1 < time.monotonic() - start < DRAIN_S + 2


def test_the_app_with_a_wrong_token_hears_the_token_is_wrong(served, tmp_path):
    """The app's own calls over connections closed after each 401: a wrong token, never
    "cannot reach the server" (which it would retry for ever); an upload of 2 MB too."""
    _backend, c = served
    take = tmp_path / "take.mp3"
    take.write_bytes(mp3_bytes(seconds=120.0))
    assert take.stat().st_size > 1_900_000
    api = ApiClient(c.url, "guess-0003")
    try:
        for call in (
            api.list_threads,
            lambda: api.create_thread("Jam"),
            api.list_threads,
            lambda: api.upload_audio(take),
            lambda: api.post_message(draft_with_text("t", "alice", "hello")),
        ):
            with pytest.raises(AuthError, match="refused the API token"):
                call()
    finally:
        api.close()


def test_a_locked_address_still_lets_a_users_token_in(live_backend):
    """Only what can be guessed is shut out: a user's 256-bit token still works from an
    address that a wrong client (a revoked token's app retrying) got locked; the shared
    API_TOKEN, which a person chose, and other guesses get 429."""
    from sequencer_server.users import add_user, issue_token

    backend, url = live_backend
    bob = add_user(backend.store, "bob")
    for i in range(20):
        assert requests.get(f"{url}/api/v1/me", params={"token": f"guess-{i}"}).status_code == 401
    me = requests.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {bob}"})
    assert me.status_code == 200 and me.json()["name"] == "bob"
    r = requests.post(f"{url}/api/v1/threads", json={"token": bob, "name": "Still here"})
    assert r.status_code == 201
    for token in (TOKEN, "guess-99", issue_token(backend.store, "bob")[:-1]):
        assert requests.get(f"{url}/api/v1/me", params={"token": token}).status_code == 429
