"""Live events between sessions on a real server (127.0.0.1:0), and the fall back to
polling against a server that offers no events."""

from __future__ import annotations

from pathlib import Path

from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.open_thread import POLL_ACTIVE_MS
from desktop_app.state.server_session import ServerSession, SessionFiles
from sequencer_server.listen import tcp_listener
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.send_helpers import TIMEOUT


def _session(
    url: str, home: Path, tasks: TaskRunner, user: str, fingerprint: str | None = None
) -> ServerSession:
    paths = AppPaths.under(home).ensure()
    api = ApiClient(url, TOKEN, timeout=5.0, fingerprint=fingerprint)
    connection = ServerConnection(api, url, url)
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


def test_a_message_from_one_app_reaches_the_other_by_events(qtbot, tmp_path, tasks) -> None:
    """Alice's session sends; Bob's session (open on the thread, polling only every 60 s
    while the stream is open) has it by the pushed event. Deletion and a new thread come
    the same way, and the pushed message is in Bob's local store for an offline start."""
    import time

    from desktop_app.state.open_thread import POLL_PUSHED_MS

    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(backend.app()).start()
    sessions: list[ServerSession] = []
    try:
        thread = ApiClient(server.url, TOKEN).create_thread("Takes")
        for user in ("alice", "bob"):
            session = _session(server.url, tmp_path / user, tasks, user)
            session.open()
            session.start()
            session.threads.open_thread(thread.id)
            sessions.append(session)
        alice, bob = sessions
        for s in sessions:
            qtbot.waitUntil(lambda s=s: s.live.streaming, timeout=TIMEOUT)
            assert s.threads.poll_interval_ms == POLL_PUSHED_MS
        qtbot.wait(200)  # the catch-up fetch after connecting is back

        started = time.monotonic()
        sent_id = alice.send(_draft(thread.id))
        bob_model = bob.threads.messages
        qtbot.waitUntil(lambda: bob_model.row_of(sent_id) >= 0, timeout=TIMEOUT)
        delay_ms = (time.monotonic() - started) * 1000
        print(f"alice → bob by events: {delay_ms:.0f} ms")
        assert delay_ms < 1000  # polling would take up to 60 s here

        assert bob.local_store is not None
        qtbot.waitUntil(
            lambda: any(m.id == sent_id for m in bob.local_store.list_messages(thread.id)),
            timeout=TIMEOUT,
        )

        ApiClient(server.url, TOKEN).delete_message(sent_id)
        qtbot.waitUntil(lambda: bob_model.row_of(sent_id) < 0, timeout=TIMEOUT)

        made = ApiClient(server.url, TOKEN).create_thread("Pushed")
        qtbot.waitUntil(lambda: bob.threads.thread_by_id(made.id) is not None, timeout=TIMEOUT)
    finally:
        for s in sessions:
            s.close(wait_ms=3000)
        server.stop()


def test_a_joined_https_server_pushes_its_events_through_the_pinned_stream(
    qtbot, tmp_path, tasks
) -> None:
    """A bandmate's server speaks HTTPS with a self-signed certificate that only the pin
    vouches for: the session's stream uses the API client's pin, so it connects and a new
    thread arrives pushed (the thread list is otherwise polled every 30 s)."""
    from tests.server.test_user_commands import server

    with server(tmp_path / "srv", "--tls-self-signed", token=TOKEN) as ready:
        url, fingerprint = ready["url"], ready["fingerprint"]
        session = _session(url, tmp_path / "bo", tasks, "bo", fingerprint)
        other = ApiClient(url, TOKEN, fingerprint=fingerprint)
        try:
            threads = session.open()
            session.start()
            qtbot.waitUntil(lambda: session.live.streaming, timeout=TIMEOUT)
            qtbot.wait(200)  # the catch-up fetch after connecting is back
            made = other.create_thread("Pushed over TLS")
            qtbot.waitUntil(lambda: threads.thread_by_id(made.id) is not None, timeout=5000)
        finally:
            session.close(wait_ms=3000)
            other.close()


def test_a_server_down_at_start_pushes_its_events_once_it_answers(qtbot, tmp_path, tasks) -> None:
    """The app started while the server was away: once the server answers, the session
    asks for its features again and opens the event stream (it stayed on polling for the
    whole session: the check compared the status's words with the state's name)."""
    probe = tcp_listener("127.0.0.1", 0)
    port = probe.getsockname()[1]
    probe.close()  # the address the server will come back on; nothing listens there yet
    url = f"http://127.0.0.1:{port}"
    session = _session(url, tmp_path / "a", tasks, "alice")
    session.open()
    session.start()
    qtbot.waitUntil(lambda: not session.threads.is_connected, timeout=TIMEOUT)
    assert session.live.offered is None and not session.live.streaming
    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(backend.app(), port=port).start()
    try:
        session.threads.reconnect_now()
        qtbot.waitUntil(lambda: session.live.streaming, timeout=TIMEOUT)
        assert session.live.offered is True
    finally:
        session.close(wait_ms=3000)
        server.stop()
