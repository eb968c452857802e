"""Guessing tokens: after 20 failures from one address within a minute the address gets
429 with Retry-After until the minute is over; failures are logged without the token."""

from __future__ import annotations

import logging

import requests

from sequencer_server.auth_failures import FailureLimiter
from tests.conftest import TOKEN


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
