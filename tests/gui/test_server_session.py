"""ServerSession against the real server on loopback: opened and closed as a unit, and
switched (close the old, open the new) through SessionHost as the app does it."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.domain.pattern import demo_pattern
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection
from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY, RENDER_UPLOADING
from desktop_app.state.server_session import ServerSession, SessionFiles
from desktop_app.state.session_host import SessionHost
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.e2e.proxy import CuttingProxy
from tests.gui.send_helpers import TIMEOUT, take


@pytest.fixture
def two_servers(tmp_path: Path):
    """Server A (with a thread "Takes") and server B, separately stored."""
    servers = [
        ThreadedServer(make_backend("sqlite-local", tmp_path / name).app()).start()
        for name in ("a", "b")
    ]
    yield servers
    for srv in servers:
        srv.stop()


def _session(url: str, paths: AppPaths, tasks: TaskRunner, user: str = "alice") -> ServerSession:
    connection = ServerConnection(ApiClient(url, TOKEN, timeout=5.0), url, url)
    return ServerSession(
        connection,
        user,
        SessionFiles.for_server(paths, url),
        tasks,
        retry_delays=(0.2,),
        memory=Settings.open(paths.settings_file),
    )


def _render_state(session: ServerSession, message_id: str) -> str | None:
    model = session.threads.messages
    row = model.row_of(message_id)
    return None if row < 0 else model.index(row).data(Roles.RENDER_STATE)


def _all_messages(url: str) -> list:
    api = ApiClient(url, TOKEN)
    return [m for t in api.list_threads() for m in api.list_messages(t.id).messages]


def test_open_start_close(qtbot, tmp_path, two_servers, tasks) -> None:
    a, _ = two_servers
    ApiClient(a.url, TOKEN).create_thread("Takes")
    paths = AppPaths.under(tmp_path / "home").ensure()
    session = _session(a.url, paths, tasks)
    threads = session.open()
    assert threads is session.threads and session.outbox is not None
    session.start()
    # memory: the newest thread opens by itself once the list arrives
    qtbot.waitUntil(lambda: [t.name for t in threads.threads] == ["Takes"], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: threads.current_thread_id != "", timeout=TIMEOUT)
    assert threads.is_connected
    session.close()
    assert session.is_closed
    assert session.wait_closed(10)
    session.close()  # a second close is a no-op
    # what it saved is there for the next session on the same server, offline or not
    again = _session(a.url, paths, tasks)
    again.open()
    assert again.local_store is not None
    assert [t.name for t in again.local_store.list_threads()] == ["Takes"]
    again.close(wait_ms=5000)


def test_switching_server_with_a_send_in_flight_delivers_it_once_to_its_server(
    qtbot, tmp_path, two_servers, tasks
) -> None:
    a, b = two_servers
    thread_id = ApiClient(a.url, TOKEN).create_thread("Takes").id
    ApiClient(b.url, TOKEN).create_thread("Elsewhere")
    proxy = CuttingProxy("127.0.0.1", a.port).start()
    proxy.upstream_delay = 0.05  # ~1.3 MB/s: the upload takes a while
    paths = AppPaths.under(tmp_path / "home").ensure()
    settings = Settings.open(paths.settings_file)

    def make(connection) -> ServerSession:
        return _session(connection.url, paths, tasks)

    first = make(ServerConnection(ApiClient(proxy.url, TOKEN), proxy.url, "A"))
    host = SessionHost(settings, paths, tasks, first, make)
    try:
        state = first.open()
        first.start()
        state.open_thread(thread_id)
        qtbot.waitUntil(lambda: not state.loading, timeout=TIMEOUT)
        message_id = state.send_message_from_sequencer(
            demo_pattern().to_snapshot(), take(tmp_path, seconds=20.0)
        )
        qtbot.waitUntil(
            lambda: _render_state(first, message_id) == RENDER_UPLOADING, timeout=TIMEOUT
        )

        # switch to B with the upload in flight: close A, open B
        host.switch_to(ServerConnection(ApiClient(b.url, TOKEN), b.url, "B"))
        second = host.session
        assert first.is_closed and second is not first
        qtbot.waitUntil(
            lambda: [t.name for t in second.threads.threads] == ["Elsewhere"], timeout=TIMEOUT
        )
        assert first.wait_closed(10)  # the abandoned upload let go of A's outbox
        assert second.outbox.entries() == []  # nothing of A's queue came along
        assert second.threads.messages.row_of(message_id) < 0

        # back to A: the message resumes from where it stopped and is delivered once
        proxy.upstream_delay = 0.0
        host.switch_to(ServerConnection(ApiClient(proxy.url, TOKEN), proxy.url, "A"))
        third = host.session
        third.threads.open_thread(thread_id)
        qtbot.waitUntil(lambda: _render_state(third, message_id) == RENDER_READY, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: third.outbox.pending() == [], timeout=TIMEOUT)
        (message,) = ApiClient(a.url, TOKEN).list_messages(thread_id).messages
        assert message.id == message_id and len(message.renders) == 1
        assert _all_messages(b.url) == []
    finally:
        host.close(wait_ms=5000)
        proxy.stop()


def test_closing_while_requests_are_in_flight_raises_nothing(
    qtbot, tmp_path, two_servers, tasks
) -> None:
    a, _ = two_servers
    thread_id = ApiClient(a.url, TOKEN).create_thread("Takes").id
    paths = AppPaths.under(tmp_path / "home").ensure()
    session = _session(a.url, paths, tasks)
    state = session.open()
    errors: list[str] = []
    state.error.connect(errors.append)
    session.start()
    state.open_thread(thread_id)
    # everything at once, then close before any of it is back
    for _ in range(5):
        state.refresh_threads()
        state.refresh_messages()
    state.create_thread("Right before closing")
    message_id = state.send_message_from_sequencer(
        demo_pattern().to_snapshot(), take(tmp_path, seconds=2.0)
    )
    state.reconnect_now()
    session.close()
    assert session.wait_closed(10)
    tasks.wait(5000)
    qtbot.wait(300)  # every answer arrives now (at a deleted or closed receiver)
    assert errors == []
    # the send was kept (or delivered) for A, whichever came first: never lost
    again = _session(a.url, paths, tasks)
    again.open()
    again.start()
    again.threads.open_thread(thread_id)
    qtbot.waitUntil(lambda: again.outbox.pending() == [], timeout=TIMEOUT)
    assert [m.id for m in ApiClient(a.url, TOKEN).list_messages(thread_id).messages] == [message_id]
    again.close(wait_ms=5000)
