"""Saved settings apply to the running app: a new server reconnects, a new name too."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.services.embedded_server import EmbeddedServer
from desktop_app.settings import Settings


@pytest.fixture
def other_server(tmp_path: Path):
    """A second, separately running server standing in for a shared one."""
    server = EmbeddedServer(tmp_path / "other-server")
    url, token = server.start()
    api = ApiClient(url, token)
    api.create_thread("Band practice", users=("bo",))
    yield url, token
    server.stop()


def test_changing_the_server_reconnects(qtbot, tmp_path: Path, other_server) -> None:
    url, token = other_server
    paths = AppPaths.under(tmp_path / "home").ensure()
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"  # not a first start
    graph = AppGraph(paths, settings)
    qtbot.addWidget(graph.window)
    local = graph.connection.embedded
    try:
        graph.start()
        qtbot.waitUntil(lambda: graph.window.connection_indicator.status() == "connected")
        assert graph.window.connection_indicator.text() == "Connected · Local server"

        settings.api_token = token
        settings.server_url = url
        qtbot.waitUntil(lambda: graph.connection.url == url, timeout=10000)
        qtbot.waitUntil(lambda: not local.running, timeout=5000)  # the local one stopped
        state = graph.threads_state
        qtbot.waitUntil(lambda: [t.name for t in state.threads] == ["Band practice"])
        indicator = graph.window.connection_indicator
        qtbot.waitUntil(lambda: indicator.status() == "connected")
        assert indicator.text() == f"Connected · {url.split('//')[1]}"
        assert graph.window.thread_list is not None

        settings.user_name = "someone else"
        qtbot.waitUntil(lambda: graph.threads_state.user_id == "someone else")
        assert graph.connection.url == url  # same server, new identity

        settings.server_url = ""
        qtbot.waitUntil(lambda: graph.connection.embedded is not None, timeout=10000)
        assert graph.connection.embedded.running
        qtbot.waitUntil(lambda: graph.window.connection_indicator.status() == "connected")
    finally:
        graph.window.close()
        graph.shutdown()
    assert graph.connection.embedded is None


def test_output_device_goes_to_the_engine(qtbot, tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "home").ensure()
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"
    graph = AppGraph(paths, settings)
    qtbot.addWidget(graph.window)
    try:
        settings.output_device = "Imaginary DAC, ALSA"
        assert graph.engine.output_device == "Imaginary DAC, ALSA"
        settings.output_device = ""
        assert graph.engine.output_device is None
    finally:
        graph.window.close()
        graph.shutdown()


def test_leaving_a_joined_https_server_and_coming_back_needs_no_new_invite(
    qtbot, tmp_path: Path
) -> None:
    """Settings → another server, then back to the joined one: its certificate pin is
    still there, so the app reconnects, signed in as the invite's name, with live events,
    instead of "the server's certificate is not the invite's"."""
    from desktop_app.ui.settings_dialog import AudioDevices, SettingsDialog
    from tests.conftest import TOKEN
    from tests.gui.join_helpers import joined_settings
    from tests.server.test_user_commands import server

    with server(tmp_path / "srv", "--tls-self-signed", token=TOKEN) as ready:
        paths, settings = joined_settings(tmp_path / "home", tmp_path / "srv", ready["url"])
        joined, pin = settings.server_url, settings.server_fingerprint
        graph = AppGraph(paths, settings)
        qtbot.addWidget(graph.window)
        try:
            graph.start()

            def connected() -> bool:
                return graph.window.connection_indicator.status() == "connected"

            qtbot.waitUntil(connected, timeout=15000)
            for url in ("http://127.0.0.1:9", joined):
                dialog = SettingsDialog(settings, devices=lambda: AudioDevices([], []))
                qtbot.addWidget(dialog)
                dialog.server_url.setText(url)
                dialog.accept()
                qtbot.waitUntil(lambda u=url: graph.connection.url == u, timeout=15000)
            assert pin and graph.connection.api.fingerprint == pin
            qtbot.waitUntil(connected, timeout=15000)
            assert "certificate" not in graph.window.connection_indicator.text()
            assert graph.session.user_id == "dee"
            qtbot.waitUntil(lambda: graph.session.live.streaming, timeout=15000)
        finally:
            graph.window.close()
            graph.shutdown()
