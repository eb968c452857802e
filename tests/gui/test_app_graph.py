"""The whole object graph of app.py against the embedded server, as a first start and a
second start of the same installation (SEQUENCER_HOME in a temporary folder)."""

from __future__ import annotations

import logging
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import Qt

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.services.first_run import WELCOME_THREAD_NAME
from desktop_app.settings import Settings
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend


def _build(paths: AppPaths) -> AppGraph:
    return AppGraph(paths, Settings.open(paths.settings_file))


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.under(tmp_path / "home").ensure()


def _welcomes(graph: AppGraph) -> list:
    return [t for t in graph.threads_state.threads if t.name == WELCOME_THREAD_NAME]


def test_first_start_then_second_start(qtbot, paths: AppPaths) -> None:
    graph = _build(paths)
    try:
        server = graph.connection.embedded
        assert server is not None and server.running
        pid = server._process.pid
        assert graph.connection.api.base_url.startswith("http://127.0.0.1:")
        assert graph.connection.api.health()
        window = graph.window
        qtbot.addWidget(window)
        window.show()
        menus = [a.text() for a in window.menuBar().actions()]
        assert menus.index("&Kit") == menus.index("&Edit") + 1  # issue 15's Kit menu
        # The demo groove is loaded, so Space plays something at once.
        assert graph.sequencer_state.pattern.tracks
        assert any(any(t.steps) for t in graph.sequencer_state.pattern.tracks)

        with qtbot.waitSignal(graph.welcomeCreated, timeout=20000) as created:
            graph.start()
        welcome_id = created.args[0]
        qtbot.waitUntil(lambda: graph.threads_state.current_thread_id == welcome_id)
        qtbot.waitUntil(lambda: graph.threads_state.messages.rowCount() == 1, timeout=10000)
        # the title follows once the thread list holds the new thread (its own request)
        qtbot.waitUntil(lambda: window.windowTitle() == "Welcome — Sequencer", timeout=5000)
        assert graph.settings.welcome_thread_id == welcome_id
        message = graph.connection.api.list_messages(welcome_id).messages[0]
        assert message.snapshot["tracks"]
        assert message.renders and message.renders[0].format == "mp3"  # plays inline
        # A new user presses Space and hears the demo.
        window.activateWindow()
        qtbot.waitActive(window)
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: graph.sequencer_state.is_playing, timeout=3000)
        qtbot.waitUntil(lambda: graph.sequencer_state.current_step >= 0, timeout=3000)
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: not graph.sequencer_state.is_playing, timeout=3000)
        graph.sequencer_state.set_bpm(101.0)
    finally:
        window.close()
        graph.shutdown()
    assert graph.connection.embedded is None
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE

    again = _build(paths)
    try:
        qtbot.addWidget(again.window)
        assert again.sequencer_state.pattern.bpm == 101.0  # the pattern on screen at quit
        again.start()
        qtbot.waitUntil(lambda: again.threads_state.current_thread_id == welcome_id)
        # Threads persist in the data folder; the Welcome thread was made exactly once.
        assert [t.id for t in _welcomes(again)] == [welcome_id]
        qtbot.wait(200)
        assert len(_welcomes(again)) == 1
        assert again.window.windowTitle() == "Welcome — Sequencer"
    finally:
        again.window.close()
        again.shutdown()


def test_nothing_is_written_to_the_settings_after_shutdown(
    qtbot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Quitting while the thread list is still on its way: its answer arrives during
    shutdown and opens a thread. That choice used to be remembered in the settings after
    their last write, so QSettings wrote the file again when it was destroyed — after a
    smoke test had removed its temporary home, which came back holding ``settings.ini``."""
    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    try:
        paths = AppPaths.under(tmp_path / "home").ensure()
        settings = Settings.open(paths.settings_file)
        settings.welcome_thread_id = "done-before"  # not a first start
        settings.server_url, settings.api_token = server.url, TOKEN
        thread = ApiClient(server.url, TOKEN).create_thread("Takes")
        graph = AppGraph(paths, settings)
        qtbot.addWidget(graph.window)
        graph.start()  # the thread list is requested ...
        graph.shutdown()  # ... and arrives while the app shuts down
        on_disk = paths.settings_file.read_text(encoding="utf-8")
        assert f"last_thread_id={settings.last_thread_id}" in on_disk or (
            settings.last_thread_id == "" and "last_thread_id" not in on_disk
        ), (settings.last_thread_id, thread.id, on_disk)
        # Nor does it start loading that thread's messages into the closed local store.
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        server.stop()
