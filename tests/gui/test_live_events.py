"""Live events between sessions on a real server (127.0.0.1:0), and the fall back to
polling against a server that offers no events."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool

from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.open_thread import POLL_ACTIVE_MS
from desktop_app.state.server_session import ServerSession, SessionFiles
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.send_helpers import TIMEOUT


@pytest.fixture
def tasks():
    runner = TaskRunner(QThreadPool())
    yield runner
    runner.wait(5000)


def _session(url: str, home: Path, tasks: TaskRunner, user: str) -> ServerSession:
    paths = AppPaths.under(home).ensure()
    connection = ServerConnection(ApiClient(url, TOKEN, timeout=5.0), url, url)
    return ServerSession(
        connection, user, SessionFiles.for_server(paths, url), tasks, retry_delays=(0.2,)
    )


def _without_events(app):
    """The server as a seed-only one answers: no events route, no features list."""
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/api/v1/events"]

    @app.middleware("http")
    async def seed_health(request, call_next):
        response = await call_next(request)
        if request.url.path != "/healthz":
            return response
        import json

        from starlette.responses import JSONResponse

        body = b"".join([part async for part in response.body_iterator])
        health = json.loads(body)
        health.pop("features", None)
        return JSONResponse(health, status_code=response.status_code)

    return app


def test_without_events_the_open_thread_keeps_polling(qtbot, tmp_path, tasks) -> None:
    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(_without_events(backend.app())).start()
    try:
        thread = ApiClient(server.url, TOKEN).create_thread("Takes")
        session = _session(server.url, tmp_path / "a", tasks, "alice")
        threads = session.open()
        session.start()
        threads.open_thread(thread.id)
        qtbot.waitUntil(lambda: session.live.offered is not None, timeout=TIMEOUT)
        assert session.live.offered is False and not session.live.streaming
        assert threads.poll_interval_ms == POLL_ACTIVE_MS
        # another client's message still shows, by polling
        other = ApiClient(server.url, TOKEN)
        sent = other.post_message(_draft(thread.id))
        qtbot.waitUntil(lambda: threads.messages.row_of(sent.id) >= 0, timeout=TIMEOUT)
        session.close(wait_ms=3000)
    finally:
        server.stop()


def _draft(thread_id: str):
    from desktop_app.domain.draft import draft_with_audio
    from desktop_app.domain.pattern import demo_pattern

    return draft_with_audio(thread_id, "bob", demo_pattern().to_snapshot(), None)
