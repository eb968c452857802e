"""What wakes the event broker, and what a client gets for a cursor the store cannot
replay: a ``reset`` event instead of a silent gap. Real HTTP, both stores."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from sequencer_server.config import Settings
from sequencer_server.events import Broker
from sequencer_server.quiet_server import QuietServer
from sequencer_server.store.change_signals import (
    TICK_S,
    EveryTick,
    SQLiteDataVersion,
    SQLiteFileEvents,
)
from sequencer_server.store.mongo_changes import ChangeStreamSignal, is_replica_set
from sequencer_server.store.sqlite import SQLiteStore
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client, server_process
from tests.server.sse import SSEReader

BACKENDS = ["sqlite-local", "mongo-local"]


@pytest.fixture(params=BACKENDS)
def served(request, tmp_path) -> Iterator[tuple[object, str]]:
    backend = make_backend(request.param, tmp_path, SSE_HEARTBEAT_S="0.3")
    with ThreadedServer(backend.app()) as server:
        yield backend, server.url


# -- reset: a cursor older than the retained deletions, or newer than any change ----------


def test_a_cursor_older_than_the_pruned_deletions_gets_a_reset(served):
    backend, url = served
    c = Client(url)
    thread = c.create_thread()
    with SSEReader(url) as sse:
        sse.get()
        c.create_message(thread["id"], id="kept", text="one")
        c.create_message(thread["id"], id="gone", text="two")
        event = sse.next_event()
        while not (event.event == "message" and event.json["id"] == "gone"):
            event = sse.next_event()
        held = event.id  # the client goes away holding this
    assert requests.delete(f"{url}/api/v1/messages/gone", params={"token": TOKEN}, timeout=10).ok
    assert backend.store.prune_tombstones(int(time.time() * 1000) + 60_000) == 1
    newest = backend.store.cursor()
    with SSEReader(url, last_event_id=held) as again:
        again.get()
        reset = again.next_event()
        later = c.create_message(thread["id"], id="after", text="three").json()
        live = [again.next_event(skip=("comment", "thread"))]
        live += again.events_until_quiet(1.0, kind="message")
    assert reset.event == "reset"
    assert reset.id == str(newest) and reset.json["cursor"] == newest
    assert "reload" in reset.json["reason"]
    # After the reset only what is new: the deletion it could not replay is not faked.
    assert [e.json["id"] for e in live] == [later["id"]]


def test_a_cursor_newer_than_any_change_gets_a_reset(served):
    backend, url = served
    c = Client(url)
    thread = c.create_thread()
    newest = backend.store.cursor()
    with SSEReader(url, last_event_id="999999") as sse:  # from a server since replaced
        sse.get()
        reset = sse.next_event()
        message = c.create_message(thread["id"], text="new here").json()
        live = [sse.next_event(skip=("comment", "thread"))]
        live += sse.events_until_quiet(1.0, kind="message")
    assert reset.event == "reset" and reset.id == str(newest)
    assert [e.json["id"] for e in live] == [message["id"]]


def test_the_first_frame_carries_the_cursor_so_a_quiet_client_misses_nothing(served):
    backend, url = served
    c = Client(url)
    thread = c.create_thread()
    with SSEReader(url) as sse:
        first = sse.get()
    assert first is not None and first.retry == "3000" and first.id == str(backend.store.cursor())
    missed = c.create_message(thread["id"], text="while away").json()
    with SSEReader(url, last_event_id=first.id) as again:
        again.get()
        replay = again.events_until_quiet(1.0, kind="message")
    assert [e.json["id"] for e in replay] == [missed["id"]]


def test_a_cursor_the_store_can_replay_gets_no_reset(served):
    _backend, url = served
    c = Client(url)
    thread = c.create_thread()
    c.create_message(thread["id"], id="m1", text="one")
    with SSEReader(url, since=1) as sse:
        sse.get()
        events = sse.events_until_quiet(1.0)
    assert events and "reset" not in {e.event for e in events}


# -- the change signals --------------------------------------------------------------------


def test_sqlite_data_version_moves_for_any_commit_and_only_then(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite3")
    signal = SQLiteDataVersion(str(tmp_path / "s.sqlite3"))
    signal.start(lambda: None)
    assert not signal.changed()
    store.create_thread({"id": "t1", "name": "x", "users": [], "created_at": "1"})
    assert signal.changed() and not signal.changed()
    other = sqlite3.connect(tmp_path / "s.sqlite3", isolation_level=None)  # another process
    other.execute("INSERT INTO counters (name, value) VALUES ('elsewhere', 1)")
    other.close()
    assert signal.changed() and not signal.changed()
    signal.close()
    store.close()


@pytest.fixture
def kernel_watched(tmp_path):
    """A SQLite store and the change signal its broker uses (inotify), closed after."""
    if not SQLiteFileEvents.available():
        pytest.skip("inotify is Linux only")
    store = SQLiteStore(tmp_path / "s.sqlite3")
    signal = store.change_signal()
    assert isinstance(signal, SQLiteFileEvents)
    yield store, signal
    signal.close()
    store.close()


def test_the_kernel_says_when_another_connection_writes_the_database(tmp_path, kernel_watched):
    _store, signal = kernel_watched
    woken = threading.Event()
    signal.start(woken.set)
    assert signal.interval_s >= 5  # no tick to speak of: the kernel wakes it
    (tmp_path / "unrelated.mp3").write_bytes(b"x")  # another file in the folder
    assert not woken.wait(0.3)
    other = SQLiteStore(tmp_path / "s.sqlite3")  # another process's connection
    other.create_thread({"id": "t1", "name": "x", "users": [], "created_at": "1"})
    other.close()
    assert woken.wait(2) and signal.changed()


def test_a_burst_of_writes_wakes_the_broker_once_until_it_asks(kernel_watched):
    """A commit is a dozen WAL writes: one wake, not one per write, until ``changed()``."""
    store, signal = kernel_watched
    wakes: list[float] = []
    signal.start(lambda: wakes.append(time.monotonic()))
    for i in range(5):
        store.create_thread({"id": f"t{i}", "name": "x", "users": [], "created_at": "1"})
    time.sleep(0.3)
    assert len(wakes) == 1
    assert signal.changed()  # asked: armed again
    store.create_thread({"id": "later", "name": "y", "users": [], "created_at": "2"})
    deadline = time.monotonic() + 2
    while len(wakes) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(wakes) == 2


def test_a_notification_that_finds_no_commit_looks_again_at_a_short_tick(kernel_watched):
    """A commit's last WAL write comes just before SQLite makes it visible (in the mapped
    -shm index: no notification of its own), so a wake may find nothing new yet: the
    next look is a short tick away, not SAFETY_TICK_S (revoked users' streams end on the
    next read, within a second)."""
    _store, signal = kernel_watched
    signal.start(lambda: None)
    assert not signal.changed()
    signal._armed = False  # as the kernel watcher leaves it when it wakes the broker
    assert not signal.changed()
    assert signal.interval_s == TICK_S
    assert not signal.changed()  # no notification since: the safety tick again
    assert signal.interval_s == SQLiteFileEvents.SAFETY_TICK_S


def test_an_idle_sqlite_broker_reads_no_changes(tmp_path):
    """With listeners and nothing happening the broker only asks data_version: no query
    of the change tables (which is what made an idle server busy)."""
    store = SQLiteStore(tmp_path / "s.sqlite3")
    reads = []
    changes_after = store.changes_after

    def counted(since: int, limit: int):
        reads.append(since)
        return changes_after(since, limit)

    store.changes_after = counted  # type: ignore[method-assign]

    async def scenario() -> None:
        broker = Broker(store)
        listener = await broker.subscribe()
        await asyncio.sleep(1.2)  # about five ticks
        idle_reads = len(reads)
        # Another process commits (a second connection): seen within a tick or two.
        other = SQLiteStore(tmp_path / "s.sqlite3")
        other.create_thread({"id": "t1", "name": "x", "users": [], "created_at": "1"})
        item = await asyncio.wait_for(listener.queue.get(), 1.0)
        other.close()
        assert item is not None and item[0].kind == "thread"
        assert idle_reads <= 1, reads
        broker.unsubscribe(listener)
        await broker.close()

    asyncio.run(scenario())
    store.close()


def test_mongomock_has_no_change_streams_so_the_sequence_is_polled(tmp_path):
    backend = make_backend("mongo-local", tmp_path)
    if os.environ.get("MONGODB_URI"):
        pytest.skip("MONGODB_URI is set: the store is a real server, see the next test")
    assert not is_replica_set(backend.store._client)
    assert isinstance(backend.store.change_signal(), EveryTick)


class _Stream:
    """What the signal uses of pymongo's ChangeStream, playing a script: a change (its
    resume token), an error (the primary stepped down), then nothing but empty waits."""

    def __init__(self, script: list) -> None:
        self._script = script
        self.alive = True
        self.resume_token: dict | None = None

    def __enter__(self) -> _Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.alive = False

    def try_next(self) -> dict | None:
        if not self._script:
            time.sleep(0.02)  # maxAwaitTimeMS elapsing with no change
            return None
        step = self._script.pop(0)
        if isinstance(step, Exception):
            raise step
        self.resume_token = {"_data": step}
        return {"_id": self.resume_token}


def test_a_lost_change_stream_resumes_after_its_last_token():
    """The replica set's stream as the driver would hand it over: after a failure the
    next stream resumes after the last token seen, and meanwhile the broker polls."""
    from pymongo.errors import AutoReconnect

    streams = [_Stream(["t1", AutoReconnect("primary stepped down")]), _Stream(["t2"])]
    resumed_after: list[object] = []

    class Database:
        def watch(self, pipeline, resume_after=None, max_await_time_ms=None):
            assert pipeline == [{"$match": {"ns.coll": {"$in": ["messages", "threads", "tokens"]}}}]
            resumed_after.append(resume_after)
            return streams.pop(0) if streams else _Stream([])

    woken = threading.Event()
    signal = ChangeStreamSignal(Database())
    signal.start(woken.set)
    try:
        deadline = time.monotonic() + 5
        while signal.resume_token != {"_data": "t2"} and time.monotonic() < deadline:
            time.sleep(0.02)
        assert resumed_after[:2] == [None, {"_data": "t1"}]
        assert signal.opened >= 2 and signal.live and woken.is_set()
        assert signal.changed() and not signal.changed()
    finally:
        signal.close()


@pytest.mark.skipif(
    not os.environ.get("MONGODB_URI"),
    reason="change streams need a real MongoDB replica set (set MONGODB_URI); mongomock has none",
)
def test_a_replica_set_change_stream_wakes_the_broker_and_resumes(tmp_path):
    backend = make_backend("mongo-local", tmp_path)
    store = backend.store
    if not is_replica_set(store._client):
        pytest.skip("MONGODB_URI is a standalone server: change streams need a replica set")
    signal = store.change_signal()
    assert isinstance(signal, ChangeStreamSignal)
    woken = threading.Event()
    signal.start(woken.set)
    deadline = time.monotonic() + 10
    while not signal.live and time.monotonic() < deadline:
        time.sleep(0.05)
    assert signal.changed()  # the first read after opening
    woken.clear()
    store.create_thread({"id": "t1", "name": "x", "users": [], "created_at": "1"})
    assert woken.wait(5) and signal.changed() and not signal.changed()
    token = signal.resume_token
    assert token is not None
    signal.close()
    # A new signal resuming after the token sees the change made while none watched.
    store.create_thread({"id": "t2", "name": "y", "users": [], "created_at": "2"})
    again = ChangeStreamSignal(store._messages.database)
    again.resume_token = token
    seen = threading.Event()
    again.start(seen.set)
    assert seen.wait(5)
    again.close()


# -- across processes, and the server's own housekeeping -----------------------------------


def test_another_process_s_message_arrives_within_250_ms(tmp_path):
    with server_process(tmp_path) as pa, server_process(tmp_path) as pb:
        a, b = pa.url, pb.url
        thread = Client(b).create_thread()
        with SSEReader(a) as sse:
            sse.get()
            sse.events_until_quiet(0.5)
            delays = []
            for i in range(8):
                sent = time.perf_counter()
                Client(b).create_message(thread["id"], id=f"x{i}", text="across")
                event = sse.next_event()
                while event.event != "message":
                    event = sse.next_event()
                delays.append(time.perf_counter() - sent)
    delays.sort()
    # Each message is sent just after the last event, i.e. just after a tick: the worst
    # case, a whole tick (200 ms) and the read. The median stays under 250 ms even on a
    # busy test machine.
    assert delays[len(delays) // 2] < 0.25, delays


def test_the_quiet_server_stops_promptly(tmp_path):
    settings = Settings.from_env({"API_TOKEN": TOKEN, "ENV": "test"}, data_dir=tmp_path)
    from sequencer_server.app import create_app

    server = ThreadedServer(create_app(settings)).start()
    assert isinstance(server._server, QuietServer)
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 0.5
