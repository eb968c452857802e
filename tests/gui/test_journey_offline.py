"""User journey "offline start", through the real window and the real server:
the app was used with a server, the server goes away, the app starts again pointed at it.
Saved threads and messages are on screen, a take is recorded and sent (queued, playable
from the outbox), a thread is created through the real "New thread" dialog; the server
comes back and everything is delivered exactly once, and the status says so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop_app.app import AppGraph
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import load_default_kit
from desktop_app.domain.pattern import demo_pattern
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.settings import Settings
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.modal_driver import ModalDriver

TIMEOUT = 15_000


def _graph(paths: AppPaths, url: str) -> AppGraph:
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"  # not a first start
    settings.server_url, settings.api_token, settings.user_name = url, TOKEN, "ada"
    engine = Engine(load_default_kit(), use_device=False, clock_speed=8.0)
    return AppGraph(paths, settings, engine=engine)


def _thread_names(graph: AppGraph) -> list[str]:
    view = graph.window.thread_list.list
    return [view.item(i).text() for i in range(view.count())]


def test_offline_start_send_and_create_then_delivered_once(
    qtbot, tmp_path: Path, modals: ModalDriver
) -> None:
    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    api = ApiClient(server.url, TOKEN)
    thread = api.create_thread("Band practice", users=("bo",))
    api.create_message(thread.id, "bo", demo_pattern().to_snapshot(), message_id="from-bo")
    paths = AppPaths.under(tmp_path / "home").ensure()

    # 1. A session with the server up: the thread and bo's message are seen (and saved).
    graph = _graph(paths, server.url)
    qtbot.addWidget(graph.window)
    try:
        graph.window.show()
        graph.start()
        qtbot.waitUntil(lambda: graph.threads_state.messages.ids() == ["from-bo"], timeout=TIMEOUT)
    finally:
        graph.window.close()
        graph.shutdown()
    server.stop()

    # 2. The server is gone; the app starts again, pointed at it.
    graph = _graph(paths, server.url)
    qtbot.addWidget(graph.window)
    back: ThreadedServer | None = None
    try:
        window, state = graph.window, graph.threads_state
        window.resize(1520, 880)
        window.show()
        graph.start()
        indicator = window.connection_indicator
        qtbot.waitUntil(lambda: indicator.status() == "offline", timeout=TIMEOUT)
        qtbot.waitUntil(lambda: _thread_names(graph) == ["Band practice"], timeout=TIMEOUT)
        panel = window.conversation
        qtbot.waitUntil(lambda: panel.title.text() == "Band practice", timeout=TIMEOUT)
        qtbot.waitUntil(lambda: state.messages.ids() == ["from-bo"], timeout=TIMEOUT)
        assert "Offline — showing saved threads and messages" in indicator.text()

        # Record a take and press Send: queued, and the transport says so.
        recording = graph.recording_state
        recording.start()
        qtbot.waitUntil(lambda: recording._recorder.elapsed() > 2.0, timeout=TIMEOUT)
        take = recording.stop()
        assert take is not None and panel.send_button.isEnabled()
        QTest.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(state.messages.ids()) == 2, timeout=TIMEOUT)
        mine = state.messages.ids()[1]
        status = window.findChild(type(panel.title), "status")  # the transport's status line
        assert status is not None
        qtbot.waitUntil(
            lambda: status.text() == "Take queued — will send when online", timeout=TIMEOUT
        )
        # The queued message shows its player and plays the take from the outbox file.
        row = state.messages.index(state.messages.row_of(mine))
        assert row.data(Roles.RENDER_STATE) == RENDER_READY
        assert row.data(Roles.TIME_TEXT).endswith("waiting to send")
        controller = graph.playback.controller
        controller.play(mine)
        qtbot.waitUntil(lambda: graph.playback.player.is_playing, timeout=TIMEOUT)
        assert graph.playback.player.key == mine
        controller.stop()

        # A new thread through the real dialog, while offline: listed and opened at once.
        modals.type_text("Written offline")
        window.thread_list.ask_create()
        qtbot.waitUntil(lambda: panel.title.text() == "Written offline", timeout=TIMEOUT)
        assert "Written offline" in _thread_names(graph)
        new_id = state.current_thread_id
        assert state.is_pending(new_id)

        # 3. The server comes back (same address): delivered once, status clears.
        back = ThreadedServer(backend.app(), port=server.port).start()
        qtbot.waitUntil(lambda: graph.outbox.pending() == [], timeout=30_000)
        qtbot.waitUntil(lambda: status.text() == "Take sent · ready to record", timeout=TIMEOUT)
        qtbot.waitUntil(lambda: indicator.status() == "connected", timeout=TIMEOUT)
        assert indicator.text().startswith("Connected")
        messages = api.list_messages(thread.id).messages
        assert [m.id for m in messages] == ["from-bo", mine]
        assert len(messages[1].renders) == 1 and messages[1].user_id == "ada"
        assert {t.id: t.name for t in api.list_threads()} == {
            thread.id: "Band practice",
            new_id: "Written offline",
        }
        qtbot.waitUntil(lambda: not state.is_pending(new_id), timeout=TIMEOUT)
    finally:
        graph.window.close()
        graph.shutdown()
        if back is not None:
            back.stop()
