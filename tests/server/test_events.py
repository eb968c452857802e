"""``GET /api/v1/events``: live changes as Server-Sent Events, on both stores, over real
HTTP; replays after ``Last-Event-ID`` exactly once, across processes and restarts."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from sequencer_server.events import Broker
from sequencer_server.store.change_signals import EveryTick
from sequencer_server.store.sqlite import SQLiteStore
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend
from tests.server import helpers
from tests.server.helpers import Client, ServerProcess, server_env
from tests.server.sse import SSEReader

BACKENDS = ["sqlite-local", "mongo-s3"]


@pytest.fixture(params=BACKENDS)
def served(request, tmp_path) -> Iterator[tuple[object, str]]:
    endpoint = request.getfixturevalue("moto_endpoint") if "s3" in request.param else None
    backend = make_backend(request.param, tmp_path, endpoint, SSE_HEARTBEAT_S="0.3")
    with ThreadedServer(backend.app()) as server:
        yield backend, server.url


@pytest.fixture
def listening(served) -> Iterator[tuple[str, Client, dict, SSEReader]]:
    """A client, its thread, and an open stream already past its ``retry`` line."""
    _backend, url = served
    c = Client(url)
    thread = c.create_thread()
    with SSEReader(url) as sse:
        sse.get()
        yield url, c, thread, sse


def _get(url: str, path: str, token: str = TOKEN) -> dict:
    r = requests.get(f"{url}{path}", params={"token": token}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_stream_starts_with_retry_then_sends_live_changes(served):
    _backend, url = served
    c = Client(url)
    thread = c.create_thread("Before")  # made before connecting: not replayed
    with SSEReader(url) as sse:
        assert sse.status == 200
        assert sse.headers is not None
        assert sse.headers["content-type"].startswith("text/event-stream")
        first = sse.get()
        assert first is not None and first.retry == "3000"
        message = c.create_message(thread["id"], text="hello").json()
        events = sse.events_until_quiet(1.0)
    kinds = [e.event for e in events]
    assert "message" in kinds and "thread" in kinds, kinds
    got = next(e for e in events if e.event == "message")
    assert got.json == _get(url, f"/api/v1/messages/{message['id']}")
    assert got.json["text"] == "hello"
    updated = next(e for e in events if e.event == "thread")
    assert updated.json == _get(url, f"/api/v1/threads/{thread['id']}")
    ids = [int(e.id or 0) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_deletion_and_render_events(listening):
    url, c, thread, sse = listening
    message, render = c.message_with_render(thread["id"])
    messages = sse.events_until_quiet(1.0, kind="message")
    assert messages[-1].json["renders"][0]["id"] == render["id"]
    assert requests.delete(
        f"{url}/api/v1/messages/{message['id']}", params={"token": TOKEN}, timeout=10
    ).ok
    deleted = sse.next_event()
    assert deleted.event == "deleted"
    assert deleted.json == {"id": message["id"], "parent_thread": thread["id"]}


def test_heartbeat_on_an_idle_stream(served):
    _backend, url = served
    with SSEReader(url) as sse:
        assert sse.get().retry == "3000"
        ping = sse.get(timeout=3)
    assert ping is not None and (ping.event, ping.data) == ("comment", "ping")


def test_reconnect_with_last_event_id_gets_each_missed_change_once(listening):
    url, c, thread, sse = listening
    c.create_message(thread["id"], id="m1", text="one")
    last = sse.events_until_quiet(1.0)[-1].id
    sse.close()
    missed = [c.create_message(thread["id"], id=f"m{i}", text=str(i)).json()["id"] for i in (2, 3)]
    with SSEReader(url, last_event_id=last) as again:
        again.get()
        replay = again.events_until_quiet(1.0, kind="message")
        live = c.create_message(thread["id"], text="live").json()["id"]
        later = again.events_until_quiet(1.0, kind="message")
    assert [e.json["id"] for e in replay] == missed
    assert [e.json["id"] for e in later] == [live]
    # ?since= is the same as the header
    with SSEReader(url, since=int(last or 0)) as third:
        third.get()
        replay = third.events_until_quiet(1.0, kind="message")
    assert [e.json["id"] for e in replay] == [*missed, live]


def test_private_thread_events_only_for_members(served):
    backend, url = served
    alice, eve = add_user(backend.store, "alice"), add_user(backend.store, "eve")
    with SSEReader(url, token=alice) as a, SSEReader(url, token=eve) as e:
        a.get(), e.get()
        made = requests.post(
            f"{url}/api/v1/threads",
            json={"token": alice, "name": "Secret", "private": True},
            timeout=10,
        ).json()
        Client(url, alice).create_message(made["id"], text="psst")
        public = Client(url, alice).create_thread("Open")
        seen_a = a.events_until_quiet(1.0)
        seen_e = e.events_until_quiet(0.5)
    assert {ev.event for ev in seen_a} >= {"thread", "message"}
    assert any(ev.event == "message" and ev.json["text"] == "psst" for ev in seen_a)
    assert [ev.json["id"] for ev in seen_e] == [public["id"]]


def test_bad_last_event_id_and_missing_token(served):
    _backend, url = served
    r = requests.get(f"{url}/api/v1/events", params={"token": TOKEN},
                     headers={"Last-Event-ID": "abc"}, timeout=10)  # fmt: skip
    assert r.status_code == 422 and "Last-Event-ID" in r.json()["detail"]
    assert requests.get(f"{url}/api/v1/events", timeout=10).status_code == 401


def test_healthz_lists_the_features(served):
    _backend, url = served
    body = requests.get(f"{url}/healthz", timeout=10).json()
    assert body["status"] == "ok" and {"events", "text"} <= set(body["features"])


# -- the broker: a stalled listener is dropped, the others go on ------------------------


def test_a_listener_that_never_reads_is_dropped_without_blocking_others(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite3")

    async def scenario() -> None:
        broker = Broker(store, interval_s=0.01, queue_size=5)
        stalled = await broker.subscribe()
        reader = await broker.subscribe()
        got = []
        for i in range(12):
            store.create_thread({"id": f"t{i}", "name": "x", "users": [], "created_at": str(i)})
            broker.wake()
            await asyncio.sleep(0.05)
            while not reader.queue.empty():
                got.append(reader.queue.get_nowait())
        assert len(got) == 12 and all(item is not None for item in got)
        assert stalled.dropped and stalled.queue.qsize() == 1
        assert stalled.queue.get_nowait() is None  # its stream ends
        assert broker.listeners == 1
        broker.unsubscribe(reader)
        await broker.close()

    asyncio.run(scenario())
    store.close()


def test_a_disconnecting_client_frees_its_listener(served):
    backend, _url = served
    with ThreadedServer(backend.app()) as server:
        app_broker = server.app.state.events
        with SSEReader(server.url) as sse:
            sse.get()
            assert app_broker.listeners == 1
        # The server notices at its next write to the closed connection (the heartbeat).
        deadline = time.monotonic() + 5
        while app_broker.listeners and time.monotonic() < deadline:
            time.sleep(0.1)
        assert app_broker.listeners == 0


# -- several processes and restarts on one SQLite folder --------------------------------


@contextmanager
def server_process(data_dir: Path) -> Iterator[ServerProcess]:
    """Killed at the end: a graceful stop would wait for the open event streams."""
    with helpers.server_process(data_dir, env=server_env(SSE_HEARTBEAT_S="0.5"), kill=True) as s:
        yield s


def test_a_message_made_on_one_process_reaches_listeners_of_another(tmp_path):
    with server_process(tmp_path) as a, server_process(tmp_path) as b:
        thread = Client(b.url).create_thread()
        with SSEReader(a.url) as sse:
            sse.get()
            message = Client(b.url).create_message(thread["id"], text="across").json()
            got = sse.messages_until([message["id"]])
    assert [e.json["id"] for e in got] == [message["id"]]


def test_a_restart_mid_stream_loses_nothing(tmp_path):
    with server_process(tmp_path) as server:
        c = Client(server.url)
        thread = c.create_thread()
        sse = SSEReader(server.url)
        sse.get()
        c.create_message(thread["id"], id="before", text="seen")
        seen = sse.messages_until(["before"])
        server.proc.kill()
        server.proc.wait(10)
        sse.close()
    last = seen[-1].id
    assert any(e.event == "message" and e.json["id"] == "before" for e in seen)
    with server_process(tmp_path) as server:
        c = Client(server.url)
        missed = [c.create_message(thread["id"], id=f"gap{i}", text="x").json() for i in (1, 2)]
        with SSEReader(server.url, last_event_id=last) as again:
            again.get()
            replay = again.messages_until([m["id"] for m in missed])
    assert [e.json["id"] for e in replay] == [m["id"] for m in missed]


def test_one_user_cannot_hold_every_stream_of_the_server(tmp_path):
    """A token opening stream after stream got every one (each a socket, a task and a
    queue): past MAX_STREAMS_PER_USER it gets 429 with Retry-After, other users are not
    affected, and a closed stream gives its slot back."""
    backend = make_backend("sqlite-local", tmp_path, MAX_STREAMS_PER_USER="3",
                           SSE_HEARTBEAT_S="0.2")  # fmt: skip
    mallory, alice = (add_user(backend.store, n) for n in ("mallory", "alice"))
    with ThreadedServer(backend.app()) as server:
        held = [SSEReader(server.url, mallory) for _ in range(3)]
        for sse in held:
            assert sse.status == 200
            sse.get()
        refused = requests.get(f"{server.url}/api/v1/events", params={"token": mallory},
                               timeout=10)  # fmt: skip
        assert refused.status_code == 429 and refused.headers["Retry-After"]
        assert "MAX_STREAMS_PER_USER" in refused.json()["detail"]
        with SSEReader(server.url, alice) as other:
            assert other.status == 200
        held.pop().close()
        deadline = time.monotonic() + 5
        while True:
            again = SSEReader(server.url, mallory)
            if again.status == 200 or time.monotonic() > deadline:
                break
            again.close()
            time.sleep(0.2)
        assert again.status == 200
        for sse in [*held, again]:
            sse.close()


def test_a_listener_that_comes_while_the_tail_closes_still_gets_events(tmp_path, monkeypatch):
    """The last listener leaves and the tail closes its change signal (a thread join for
    inotify); a stream that opens in that moment must not be left with no tail at all
    (seen as a reconnecting client that never heard of a new message)."""
    store = SQLiteStore(tmp_path / "s.sqlite3")
    closing, release = threading.Event(), threading.Event()

    def slow_close(_signal: EveryTick) -> None:
        closing.set()
        release.wait(5)

    monkeypatch.setattr(EveryTick, "close", slow_close)

    async def scenario() -> None:
        broker = Broker(store, interval_s=0.01)
        first = await broker.subscribe()
        broker.unsubscribe(first)
        broker.wake()
        assert await asyncio.to_thread(closing.wait, 5)  # the tail is closing its signal
        joining = asyncio.create_task(broker.subscribe())
        await asyncio.sleep(0.05)
        release.set()
        second = await asyncio.wait_for(joining, 5)
        store.create_thread({"id": "after", "name": "x", "users": [], "created_at": "1"})
        broker.wake()
        item = await asyncio.wait_for(second.queue.get(), 5)
        assert item is not None and item[0].thread_id == "after"
        broker.unsubscribe(second)
        await broker.close()

    asyncio.run(scenario())
    store.close()
