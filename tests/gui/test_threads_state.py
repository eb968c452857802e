"""ThreadsState against the real server on loopback (``live_server``), with a real SQLite
cache: threads, messages, polling, offline start and reconnecting."""

from __future__ import annotations

import socket
import threading

import pytest

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.local_store import LocalStore
from desktop_app.state.connection_status import CONNECTED, OFFLINE
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY, RENDER_UPLOADING
from desktop_app.state.threads_state import ThreadsState
from tests.conftest import TOKEN

TIMEOUT = 5000


@pytest.fixture
def store(tmp_path):
    s = LocalStore(tmp_path / "client-data" / "cache.sqlite3")
    yield s
    s.close()


@pytest.fixture
def state(api, tasks, store):
    return ThreadsState(api, tasks, "ana", store, retry_delays=(0.05,))


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def post(api: ApiClient, thread_id: str, ts: str, user: str = "ben", mid: str | None = None):
    snap = demo_pattern().to_snapshot()
    return api.create_message(thread_id, user, snap, timestamp=ts, message_id=mid)


def wait_rows(qtbot, state: ThreadsState, n: int) -> None:
    qtbot.waitUntil(lambda: state.messages.rowCount() == n and not state.loading, timeout=TIMEOUT)


def test_create_rename_and_list(qtbot, state, api, store):
    with qtbot.waitSignal(state.threadCreated, timeout=TIMEOUT) as created:
        state.create_thread("  Beats  ")
    thread_id = created.args[0]
    assert state.thread_by_id(thread_id).name == "Beats"
    assert state.thread_by_id(thread_id).users == ("ana",)
    assert state.is_connected and state.connection == CONNECTED

    with qtbot.waitSignal(state.threadsChanged, timeout=TIMEOUT):
        state.rename_thread(thread_id, "Beat ideas")
    assert state.thread_by_id(thread_id).name == "Beat ideas"
    assert api.get_thread(thread_id).name == "Beat ideas"
    qtbot.waitUntil(lambda: [t.name for t in store.list_threads()] == ["Beat ideas"])

    other = api.create_thread("Made elsewhere")
    with qtbot.waitSignal(state.threadsChanged, timeout=TIMEOUT):
        state.refresh_threads()
    assert {t.id for t in state.threads} == {thread_id, other.id}


def test_empty_name_and_server_refusal_are_errors(qtbot, state):
    with qtbot.waitSignal(state.error, timeout=TIMEOUT) as err:
        state.create_thread("   ")
    assert err.args[0] == "A thread needs a name."
    with qtbot.waitSignal(state.error, timeout=TIMEOUT) as err:
        state.rename_thread("no-such-thread", "x")
    assert err.args[0].startswith("Could not rename the thread to “x”:")
    assert "not found" in err.args[0]
    assert state.is_connected  # the server answered: a refusal is not being offline


def test_open_thread_then_poll_changes(qtbot, state, api, store):
    thread = api.create_thread("Grooves")
    first = post(api, thread.id, "2024-05-01T10:00:01Z")
    post(api, thread.id, "2024-05-01T10:00:02Z", user="ana")
    with qtbot.waitSignal(state.currentThreadChanged, timeout=TIMEOUT):
        state.open_thread(thread.id)
    wait_rows(qtbot, state, 2)
    model = state.messages
    assert model.data(model.index(0), Roles.ID) == first.id
    assert model.data(model.index(1), Roles.IS_OWN) is True
    qtbot.waitUntil(lambda: len(store.list_messages(thread.id)) == 2, timeout=TIMEOUT)

    third = post(api, thread.id, "2024-05-01T10:00:03Z")
    api.delete_message(first.id)
    state.refresh_messages()
    qtbot.waitUntil(lambda: model.ids() == [model.ids()[0], third.id] and model.rowCount() == 2)
    assert first.id not in model.ids()
    qtbot.waitUntil(
        lambda: first.id not in {m.id for m in store.list_messages(thread.id)}, timeout=TIMEOUT
    )


def test_upsert_and_remove_rows_for_the_send_flow(qtbot, state, api, tasks):
    thread = api.create_thread("Send")
    state.open_thread(thread.id)
    qtbot.waitUntil(lambda: not state.loading, timeout=TIMEOUT)
    sent = post(api, thread.id, "2024-05-01T10:00:05Z", user="ana", mid="client-id-1")
    state.upsert_message(sent, upload_progress=0.3)
    model = state.messages
    assert model.data(model.index(0), Roles.RENDER_STATE) == RENDER_UPLOADING

    # A reload from the server does not lose the upload in progress.
    state.refresh_messages()
    qtbot.waitUntil(lambda: tasks.in_flight == 0, timeout=TIMEOUT)
    assert model.data(model.index(0), Roles.UPLOAD_PROGRESS) == pytest.approx(0.3)

    state.remove_message(sent.id)
    assert model.rowCount() == 0


def test_starts_offline_from_cache_then_reconnects(qtbot, api, tasks, store, live_server):
    thread = api.create_thread("Cached")
    post(api, thread.id, "2024-05-01T10:00:01Z")
    online = ThreadsState(api, tasks, "ana", store)
    online.start()
    online.open_thread(thread.id)
    wait_rows(qtbot, online, 1)
    qtbot.waitUntil(lambda: len(store.list_messages(thread.id)) == 1, timeout=TIMEOUT)

    # The real client, pointed at a dead port until the network "comes back".
    offline_api = ApiClient(dead_url(), TOKEN, timeout=2.0)
    state = ThreadsState(offline_api, tasks, "ana", store, retry_delays=(0.2,))
    texts: list[str] = []
    state.connectionChanged.connect(texts.append)
    state.start()
    qtbot.waitUntil(lambda: [t.name for t in state.threads] == ["Cached"], timeout=TIMEOUT)
    state.open_thread(thread.id)
    qtbot.waitUntil(lambda: state.messages.rowCount() == 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: state.connection == OFFLINE, timeout=TIMEOUT)
    saved = "Offline — showing saved threads and messages; retrying in"
    qtbot.waitUntil(lambda: state.connection_text.startswith(saved), timeout=TIMEOUT)

    offline_api.base_url = live_server  # the server is reachable again
    post(api, thread.id, "2024-05-01T10:00:02Z")
    qtbot.waitUntil(lambda: state.connection == CONNECTED, timeout=TIMEOUT)
    assert "Reconnecting…" in texts and texts[-1] == "Connected"
    wait_rows(qtbot, state, 2)


def test_ready_render_arrives_by_poll(qtbot, state, api, tmp_path):
    thread = api.create_thread("Renders")
    sent = post(api, thread.id, "2024-05-01T10:00:01Z", user="ana")
    state.open_thread(thread.id)
    wait_rows(qtbot, state, 1)
    mp3 = tmp_path / "take.mp3"
    mp3.write_bytes((b"\xff\xfb\x90\x64" + b"\x00" * 413) * 5)  # five silent frames
    render = api.upload_audio(mp3, duration=2.0, peaks=[0.2, 0.8])
    api.attach_render(sent.id, render)
    state.refresh_messages()
    model = state.messages
    qtbot.waitUntil(
        lambda: model.data(model.index(0), Roles.RENDER_STATE) == RENDER_READY, timeout=TIMEOUT
    )
    assert model.data(model.index(0), Roles.DURATION) == pytest.approx(2.0)


class HeldAnswerApi(ApiClient):
    """The real client, whose thread-list answer is held back after it came from the
    server until the test releases it: the second refresh then always lands while the
    first is in flight, and that first answer always predates the change."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, TOKEN, timeout=10.0)
        self.fetched = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def list_threads(self):
        threads = super().list_threads()
        self.calls += 1
        if self.calls == 1:
            self.fetched.set()
            assert self.release.wait(10)
        return threads


def test_refresh_asked_during_a_fetch_is_not_lost(qtbot, tasks, store, api, live_server):
    held = HeldAnswerApi(live_server)
    state = ThreadsState(held, tasks, "ana", store, retry_delays=(0.05,))
    state.refresh_threads()
    assert held.fetched.wait(5)  # the server has answered; the answer is held
    api.create_thread("Made elsewhere")
    state.refresh_threads()  # asked during the fetch: must not be dropped
    held.release.set()
    qtbot.waitUntil(lambda: any(t.name == "Made elsewhere" for t in state.threads), timeout=TIMEOUT)
    assert held.calls >= 2


class HeldMessagesApi(ApiClient):
    """The real client, whose answers about a thread's messages are held back (after the
    server gave them) from the ``hold_from``-th one on until the test releases them."""

    def __init__(self, base_url: str, hold_from: int) -> None:
        super().__init__(base_url, TOKEN, timeout=10.0)
        self.fetched = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self._hold_from = hold_from

    def list_messages(self, thread_id, since=None, limit=500):
        page = super().list_messages(thread_id, since, limit)
        self.calls += 1
        if self.calls == self._hold_from:
            self.fetched.set()
            assert self.release.wait(10)
        return page


def test_a_message_refresh_asked_during_a_fetch_is_not_lost(qtbot, tasks, store, api, live_server):
    """With the server's events flowing the open thread polls once a minute: a refresh
    asked while a fetch was on its way was dropped, and the change it was for waited."""
    thread = api.create_thread("Jam")
    held = HeldMessagesApi(live_server, hold_from=2)
    state = ThreadsState(held, tasks, "ana", store, retry_delays=(0.05,))
    state.open_thread(thread.id)
    qtbot.waitUntil(lambda: not state.loading and held.calls == 1, timeout=TIMEOUT)
    state.set_pushed(True)
    state.refresh_messages()
    assert held.fetched.wait(5)  # the server has answered; the answer is held
    sent = post(api, thread.id, "2024-05-01T10:00:01Z")
    state.refresh_messages()  # asked during the fetch: must not be dropped
    held.release.set()
    qtbot.waitUntil(lambda: state.messages.row_of(sent.id) >= 0, timeout=TIMEOUT)
