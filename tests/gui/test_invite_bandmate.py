"""File → Invite a bandmate… on the embedded server, driven through the real dialog:
sharing is off by default; switched on, the server restarts on HTTPS with its own
certificate; the invite made for a bandmate lets a second app join it (pinned), and both
see each other's names. (The test shares on 127.0.0.1: tests never listen beyond it.)"""

from __future__ import annotations

import socket
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.settings import Settings
from desktop_app.state.message_roles import Roles
from desktop_app.ui.band_dialogs import shared_fingerprint
from desktop_app.ui.join_dialog import JoinDialog
from sequencer_server.invite import parse_invite
from tests.gui.join_helpers import click_join

TIMEOUT = 20000


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app(qtbot, home: Path, name: str) -> AppGraph:
    paths = AppPaths.under(home).ensure()
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"
    settings.user_name = name
    graph = AppGraph(paths, settings)
    qtbot.addWidget(graph.window)
    graph.start()
    return graph


def test_invite_a_bandmate_to_the_shared_embedded_server(qtbot, tmp_path):
    ada = app(qtbot, tmp_path / "ada", "ada")
    bo = None
    try:
        assert ada.settings.share_on_network is False
        ada.settings.share_address = f"127.0.0.1:{free_port()}"
        dialog = ada.band.open_invite(address=lambda: "127.0.0.1")
        qtbot.waitExposed(dialog)
        assert "127.0.0.1" in dialog.where.text() and "one network" in dialog.scope.text()
        dialog.name.setText("bo")
        click(dialog.create_button)
        assert "Let bandmates on this network join first" in dialog.message.text()

        indicator = QPoint(8, dialog.share.height() // 2)  # the box, left of its label
        QTest.mouseClick(dialog.share, Qt.MouseButton.LeftButton, pos=indicator)
        assert ada.settings.share_on_network is True
        assert f"Listening on {ada.settings.share_address} over HTTPS" in dialog.where.text()
        assert "only this computer can join" in dialog.where.text()  # loopback: said so
        qtbot.waitUntil(lambda: shared_fingerprint(ada.connection) is not None, timeout=TIMEOUT)
        assert ada.connection.api.base_url.startswith("https://127.0.0.1:")
        click(dialog.create_button)
        invite = parse_invite(dialog.invite.text())
        assert invite.fingerprint == shared_fingerprint(ada.connection)
        assert invite.url == f"https://{ada.settings.share_address}"
        click(dialog.copy)
        assert QGuiApplication.clipboard().text() == dialog.invite.text()

        bo = app(qtbot, tmp_path / "bo", "someone")
        bo.window.join_action.trigger()
        join = bo.window.findChild(JoinDialog)
        click_join(qtbot, join, dialog.invite.text())
        qtbot.waitUntil(lambda: bo.connection.url == invite.url, timeout=TIMEOUT)
        assert bo.session.user_id == "bo" and bo.settings.server_fingerprint == invite.fingerprint
        for graph in (ada, bo):  # both listen to the shared server's events, pinned
            qtbot.waitUntil(lambda g=graph: g.session.live.streaming, timeout=TIMEOUT)

        thread_id = ada.connection.api.create_thread("Jam").id
        for graph in (ada, bo):
            graph.threads_state.open_thread(thread_id)
        ada.window.conversation.send()
        qtbot.waitUntil(lambda: ada.threads_state.messages.rowCount() == 1, timeout=TIMEOUT)
        bo.window.conversation.send()

        def users(graph: AppGraph) -> set[tuple[str, bool]]:
            graph.threads_state.refresh_messages()
            model = graph.threads_state.messages
            return {
                (model.index(r).data(Roles.USER), model.index(r).data(Roles.IS_OWN))
                for r in range(model.rowCount())
            }

        qtbot.waitUntil(lambda: users(ada) == {("ada", True), ("bo", False)}, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: users(bo) == {("ada", False), ("bo", True)}, timeout=TIMEOUT)

        QTest.mouseClick(dialog.share, Qt.MouseButton.LeftButton, pos=indicator)  # off again
        assert "127.0.0.1" in dialog.where.text()
        qtbot.waitUntil(
            lambda: ada.connection.api.base_url.startswith("http://127.0.0.1:"), timeout=TIMEOUT
        )
        assert shared_fingerprint(ada.connection) is None
    finally:
        for graph in (bo, ada):
            if graph is not None:
                graph.window.close()
                graph.shutdown()
