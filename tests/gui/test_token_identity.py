"""On a server with accounts the token decides who you are: Settings shows the server's
name read-only (an edit there used to be taken, then every send under it was refused for
good), and a start without the server still queues messages under the token's user."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.settings import Settings
from desktop_app.state.message_roles import Roles
from desktop_app.ui.settings_dialog import SettingsDialog
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend

TIMEOUT = 20000


@pytest.fixture
def server(tmp_path: Path):
    backend = make_backend("sqlite-local", tmp_path / "server")
    ben = add_user(backend.store, "Ben")  # type: ignore[arg-type]
    running = ThreadedServer(backend.app()).start()
    thread = ApiClient(running.url, TOKEN).create_thread("Offline ideas")
    yield backend, running, thread.id, ben
    running.stop()


def _app(qtbot, home: Path, url: str, token: str, name: str) -> AppGraph:
    paths = AppPaths.under(home).ensure()
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"
    settings.user_name = name
    settings.server_url, settings.api_token = url, token
    graph = AppGraph(paths, settings)
    qtbot.addWidget(graph.window)
    graph.window.show()
    graph.start()
    return graph


def _authors(graph: AppGraph) -> list[str]:
    model = graph.threads_state.messages
    return [model.index(r).data(Roles.USER) for r in range(model.rowCount())]


def test_settings_shows_the_servers_name_read_only(qtbot, tmp_path, server):
    _backend, running, _thread_id, ben = server
    graph = _app(qtbot, tmp_path / "b", running.url, ben, "Ben")
    seen: dict[str, object] = {}

    def edit_and_ok() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SettingsDialog):
            QTimer.singleShot(20, edit_and_ok)
            return
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            field = dialog.user_name
            seen["read_only"] = field.isReadOnly()
            note = dialog.findChild(QLabel, "settingsIdentityNote")
            seen["note"] = note.text() if note is not None and note.isVisible() else ""
            QTest.mouseClick(field, Qt.MouseButton.LeftButton)
            QTest.keyClick(field, Qt.Key.Key_End)
            QTest.keyClicks(field, "ny")  # what the tester typed: "Ben" → "Benny"
            seen["text"] = field.text()
        finally:
            QTest.mouseClick(ok, Qt.MouseButton.LeftButton)

    try:
        QTimer.singleShot(0, edit_and_ok)
        graph.window.settings_action.trigger()
        assert seen["read_only"] is True
        assert seen["text"] == "Ben"
        assert "“Ben”" in str(seen["note"]) and "token decides" in str(seen["note"])
        assert graph.settings.user_name == "Ben"
        assert graph.session.user_id == "Ben"
    finally:
        graph.window.close()
        graph.shutdown()


def test_an_offline_start_queues_as_the_token_user_and_delivers(qtbot, tmp_path, server):
    backend, running, thread_id, ben = server
    home = tmp_path / "b"
    first = _app(qtbot, home, running.url, ben, "Ben")
    first.threads_state.open_thread(thread_id)
    qtbot.waitUntil(lambda: first.threads_state.current_thread_id == thread_id, timeout=TIMEOUT)
    first.window.close()
    first.shutdown()
    running.stop()

    # The name in Settings changed meanwhile (an older client wrote it): the token decides.
    offline = _app(qtbot, home, running.url, ben, "Benny")
    try:
        assert offline.session.user_id == "Ben"
        assert offline.window.server_identity == "Ben"
        offline.threads_state.open_thread(thread_id)
        offline.window.conversation.text_box.setPlainText("made on the train")
        offline.window.conversation.send()
        qtbot.waitUntil(lambda: _authors(offline) == ["Ben"], timeout=TIMEOUT)

        again = ThreadedServer(backend.app(), port=running.port).start()
        try:
            offline.session.network_back()
            on_server = ApiClient(again.url, TOKEN)
            qtbot.waitUntil(
                lambda: [m.user_id for m in on_server.list_messages(thread_id).messages] == ["Ben"],
                timeout=TIMEOUT,
            )
        finally:
            again.stop()
    finally:
        offline.window.close()
        offline.shutdown()
