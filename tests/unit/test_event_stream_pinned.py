"""The event stream against the real server speaking HTTPS with its self-signed
certificate (``sequencer-server --tls-self-signed`` in a subprocess), as a joined
bandmate's app meets it: pinned like the API client, events arrive; with another pin (or
none) the stream never connects and says why."""

from __future__ import annotations

import logging
import time

import pytest

from desktop_app.services.api import ApiClient
from desktop_app.services.event_stream import EventStream
from tests.conftest import TOKEN
from tests.server.test_user_commands import server


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    with server(tmp_path_factory.mktemp("tls"), "--tls-self-signed", token=TOKEN) as ready:
        yield ready


def _stream(url: str, fingerprint: str | None, events: list, states: list) -> EventStream:
    return EventStream(
        url,
        TOKEN,
        lambda kind, data, cursor: events.append((kind, data)),
        states.append,
        fingerprint=fingerprint,
        read_timeout=30,
        backoff=(0.1,),
    )


def _wait(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_the_pinned_stream_receives_the_servers_events(tls_server) -> None:
    url, fingerprint = tls_server["url"], tls_server["fingerprint"]
    events: list[tuple[str, dict]] = []
    states: list[bool] = []
    stream = _stream(url, fingerprint, events, states)
    api = ApiClient(url, TOKEN, fingerprint=fingerprint, timeout=10)
    try:
        stream.start()
        assert _wait(lambda: stream.connects >= 1), "the pinned stream never connected"
        assert states[0] is True
        made = api.create_thread("Pushed over TLS")
        assert _wait(lambda: any(kind == "thread" for kind, _ in events))
        assert ("thread", made.id) in [(kind, data.get("id")) for kind, data in events]
        assert not stream.refused
    finally:
        stream.stop(timeout=2.0)
        api.close()
    assert not stream.running


def test_another_certificate_gets_no_events_and_says_why(tls_server, caplog) -> None:
    url = tls_server["url"]
    events: list[tuple[str, dict]] = []
    states: list[bool] = []
    wrong = _stream(url, "0" * 64, events, states)
    unpinned = _stream(url, None, events, states)
    caplog.set_level(logging.INFO, logger="desktop_app.services.event_stream")
    try:
        wrong.start()
        unpinned.start()
        assert _wait(lambda: wrong.refused)
        time.sleep(0.5)  # a few retries: none of them gets through
        api = ApiClient(url, TOKEN, fingerprint=tls_server["fingerprint"])
        api.create_thread("Unseen")
        api.close()
        time.sleep(0.5)
    finally:
        wrong.stop(timeout=2.0)
        unpinned.stop(timeout=2.0)
    assert wrong.connects == 0 and unpinned.connects == 0
    assert events == [] and True not in states
    refusals = [r for r in caplog.records if "other than the pinned one" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.WARNING  # said once
    assert url in refusals[0].getMessage()
    assert not unpinned.refused  # no pin: CA verification refuses it, as before
