"""A revoked user's open event stream ends: it was only checked when it opened, so new
private messages (with fresh signed URLs) kept reaching a user whose ``/me`` was 401."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sequencer_server.store.sqlite import SQLiteStore
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client, server_env, server_process
from tests.server.sse import Event, SSEReader


def _private_thread(url: str) -> dict:
    r = requests.post(
        f"{url}/api/v1/threads",
        json={"token": TOKEN, "name": "Secret", "private": True, "users": ["dave", "ada"]},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _post(url: str, thread_id: str, text: str) -> str:
    r = Client(url).create_message(thread_id, text=text, snapshot=None)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _rest_of(stream: SSEReader, timeout: float) -> tuple[list[Event], bool]:
    """The events until the stream ends (True) or ``timeout`` passes (False)."""
    seen: list[Event] = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = stream.get(left)
        except Exception:  # queue.Empty: still open
            return seen, False
        if frame is None:
            return seen, True
        if frame.event == "message":
            seen.append(frame)
    return seen, False


def test_revoking_from_the_command_line_ends_the_stream_of_another_process(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    store = SQLiteStore(data / "sequencer.sqlite3")
    dave = add_user(store, "dave")
    add_user(store, "ada")
    store.close()
    with server_process(data, env=server_env(SSE_HEARTBEAT_S="0.5")) as server:
        thread = _private_thread(server.url)
        stream = SSEReader(server.url, token=dave)
        try:
            first = _post(server.url, thread["id"], "before")
            assert [e.json["id"] for e in stream.messages_until([first], quiet_s=0.1)] == [first]
            revoked = subprocess.run(
                [sys.executable, "-m", "sequencer_server", "users", "revoke", "dave",
                 "--data-dir", str(data)],
                env=server_env(), capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert revoked.returncode == 0, revoked.stderr
            me = requests.get(f"{server.url}/api/v1/me", params={"token": dave}, timeout=10)
            assert me.status_code == 401
            _post(server.url, thread["id"], "after")
            seen, ended = _rest_of(stream, timeout=5)
            assert seen == [] and ended
        finally:
            stream.close()


@pytest.fixture(params=["sqlite-local", "mongo-local"])
def band(request, tmp_path: Path) -> Iterator[tuple[object, str, str]]:
    backend = make_backend(request.param, tmp_path, SSE_HEARTBEAT_S="0.5")
    dave = add_user(backend.store, "dave")  # type: ignore[arg-type]
    add_user(backend.store, "ada")  # type: ignore[arg-type]
    with ThreadedServer(backend.app()) as server:
        yield backend, server.url, dave


def test_a_stream_ends_when_its_user_is_revoked_in_the_store(band):
    backend, url, dave = band
    thread = _private_thread(url)
    stream = SSEReader(url, token=dave)
    try:
        first = _post(url, thread["id"], "before")
        stream.messages_until([first], quiet_s=0.1)
        started = time.monotonic()
        backend.store.revoke_user("dave")  # as another process's `users revoke` writes it
        seen, ended = _rest_of(stream, timeout=5)
        assert ended and seen == []
        assert time.monotonic() - started < 3
    finally:
        stream.close()


def test_a_revoked_user_gets_no_message_even_before_the_stream_ends(band):
    """A message posted right after the revocation never goes out on the old stream."""
    backend, url, dave = band
    thread = _private_thread(url)
    stream = SSEReader(url, token=dave)
    try:
        stream.messages_until([_post(url, thread["id"], "before")], quiet_s=0.1)
        backend.store.revoke_user("dave")
        _post(url, thread["id"], "right after")
        seen, ended = _rest_of(stream, timeout=5)
        assert seen == [] and ended
    finally:
        stream.close()


def test_other_streams_go_on(band):
    backend, url, dave = band
    thread = _private_thread(url)
    ada_token = add_user(backend.store, "ada2")  # type: ignore[arg-type]
    requests.post(
        f"{url}/api/v1/threads/{thread['id']}/members",
        json={"token": TOKEN, "users": ["ada2"]},
        timeout=10,
    )
    gone = SSEReader(url, token=dave)
    kept = SSEReader(url, token=ada_token)
    service = SSEReader(url)
    try:
        backend.store.revoke_user("dave")
        after = _post(url, thread["id"], "after")
        assert [e.json["id"] for e in kept.messages_until([after], quiet_s=0.1)] == [after]
        assert [e.json["id"] for e in service.messages_until([after], quiet_s=0.1)] == [after]
        assert _rest_of(gone, timeout=5) == ([], True)
    finally:
        for stream in (gone, kept, service):
            stream.close()


def test_a_revocation_by_another_connection_ends_an_idle_stream_within_a_second(tmp_path):
    """Nothing else happens (no message, the heartbeat far off): the revocation's own
    write makes the broker read the counter, and the stream ends."""
    backend = make_backend("sqlite-local", tmp_path, SSE_HEARTBEAT_S="30")
    dave = add_user(backend.store, "dave")  # type: ignore[arg-type]
    with ThreadedServer(backend.app()) as server:
        stream = SSEReader(server.url, token=dave)
        try:
            assert stream.get() is not None  # the retry frame: open
            time.sleep(0.3)  # its first check done
            other = SQLiteStore(backend.settings.data_dir / "sequencer.sqlite3")  # type: ignore[attr-defined]
            started = time.monotonic()
            other.revoke_user("dave")  # as `users revoke` in another process writes it
            other.close()
            _seen, ended = _rest_of(stream, timeout=5)
            assert ended
            assert time.monotonic() - started < 1.5
        finally:
            stream.close()


STREAMS = 12


def _counting(store: object, method: str) -> list[float]:
    """Note the time of every call of the store's ``method`` (the app calls the same
    object's method, so nothing else changes)."""
    calls: list[float] = []
    real = getattr(store, method)

    def counted(*args: object) -> object:
        calls.append(time.monotonic())
        return real(*args)

    setattr(store, method, counted)
    return calls


def test_open_streams_ask_the_store_about_their_tokens_only_when_someone_is_revoked(tmp_path):
    """Idle or carrying messages, a user's streams cost the store no token lookups (each
    asked every 5 s when idle, and before a frame once a second had passed); the broker
    reads the revocation counter once per read of the changes, not once per stream. A
    revocation makes every stream ask once."""
    backend = make_backend("sqlite-local", tmp_path, SSE_HEARTBEAT_S="30")
    store = backend.store
    dave = add_user(store, "dave")  # type: ignore[arg-type]
    add_user(store, "ada")  # type: ignore[arg-type]
    lookups = _counting(store, "user_for_token")
    counter_reads = _counting(store, "revocations")
    with ThreadedServer(backend.app()) as server:
        thread = _private_thread(server.url)
        streams = [SSEReader(server.url, token=dave) for _ in range(STREAMS)]
        try:
            first = _post(server.url, thread["id"], "first")
            for stream in streams:
                stream.messages_until([first], quiet_s=0)
            settled = len(lookups)  # one per request: each stream's open and first check
            assert settled <= 2 * STREAMS
            time.sleep(5.5)  # idle, past the old per-stream check
            assert len(lookups) == settled
            reads = len(counter_reads)
            later = _post(server.url, thread["id"], "later")  # past the old frame check
            for stream in streams:
                stream.messages_until([later], quiet_s=0)
            assert len(lookups) == settled
            assert len(counter_reads) - reads <= 3  # per read of the changes, for all

            store.revoke_user("ada")  # type: ignore[attr-defined]
            deadline = time.monotonic() + 5
            while len(lookups) < settled + STREAMS and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            assert len(lookups) == settled + STREAMS  # each asked once, and goes on
            after = _post(server.url, thread["id"], "after")
            for stream in streams:
                stream.messages_until([after], quiet_s=0)

            store.revoke_user("dave")  # type: ignore[attr-defined]
            assert all(_rest_of(stream, timeout=5) == ([], True) for stream in streams)
        finally:
            for stream in streams:
                stream.close()
