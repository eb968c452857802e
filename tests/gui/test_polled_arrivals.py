"""Unread counts and notifications against a server without ``/api/v1/events`` (a
seed-only server): others' messages in threads not open are found by polling and go
the same way as pushed ones. Real server on 127.0.0.1 with the events route removed and
``features`` gone from ``/healthz``, as in test_live_events."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QThreadPool

from desktop_app.domain.draft import draft_with_text
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.server_session import ServerSession, SessionFiles
from desktop_app.ui.notifier import Notifier
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.send_helpers import TIMEOUT
from tests.gui.test_live_events import _without_events


def _session(url: str, home: Path, tasks: TaskRunner, user: str) -> ServerSession:
    """A session that polls the thread list every 0.3 s (30 s in the app)."""
    paths = AppPaths.under(home).ensure()
    connection = ServerConnection(ApiClient(url, TOKEN, timeout=5.0), url, url)
    files = SessionFiles.for_server(paths, url)
    return ServerSession(connection, user, files, tasks, retry_delays=(0.2,), thread_poll_ms=300)


@pytest.fixture
def tasks():
    runner = TaskRunner(QThreadPool())
    yield runner
    runner.wait(5000)


def test_without_events_others_messages_elsewhere_count_and_notify(qtbot, tmp_path, tasks):
    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(_without_events(backend.app())).start()
    alice = ApiClient(server.url, TOKEN)
    looking_at = alice.create_thread("Open one")
    elsewhere = alice.create_thread("Elsewhere")
    old = alice.post_message(draft_with_text(elsewhere.id, "alice", "before bob came")).id
    bob = _session(server.url, tmp_path / "bob", tasks, "bob")
    shown: list[tuple[str, str]] = []
    try:
        threads = bob.open()
        notifier = Notifier(
            SimpleNamespace(notifications=True),
            lambda tid: (threads.thread_by_id(tid) or SimpleNamespace(name="?")).name,
            threads.open_thread,
            show=lambda title, body: shown.append((title, body)) or True,
        )
        threads.messageArrived.connect(notifier.notify)
        bob.start()
        threads.open_thread(looking_at.id)
        qtbot.waitUntil(lambda: bob.live.offered is False, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: threads.thread_by_id(elsewhere.id) is not None, timeout=TIMEOUT)
        qtbot.wait(800)  # a few thread polls: what was there before is not news
        assert threads.unread_count(elsewhere.id) == 0 and shown == []

        new = alice.post_message(draft_with_text(elsewhere.id, "alice", "are you there?"))
        qtbot.waitUntil(lambda: threads.unread_count(elsewhere.id) == 1, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=TIMEOUT)
        assert "Elsewhere" in shown[0][0] or "Elsewhere" in shown[0][1]
        assert "are you there?" in shown[0][1]
        # In the open thread nothing counts; bob's own words elsewhere neither.
        alice.post_message(draft_with_text(looking_at.id, "alice", "here"))
        bob.connection.api.post_message(draft_with_text(elsewhere.id, "bob", "mine"))
        qtbot.wait(1500)
        assert threads.unread_count(looking_at.id) == 0
        assert threads.unread_count(elsewhere.id) == 1 and len(shown) == 1
        assert old != new.id
        # Opening the thread reads it.
        threads.open_thread(elsewhere.id)
        qtbot.waitUntil(lambda: threads.unread_count(elsewhere.id) == 0, timeout=TIMEOUT)
    finally:
        bob.close(wait_ms=3000)
        server.stop()
