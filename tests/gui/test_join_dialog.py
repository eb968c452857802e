"""File → Join a server…, driven through the real dialog: type the invite, click Join.
Bad invites, dead servers, refused tokens and foreign certificates say why in the dialog
and leave the settings as they were; a good invite stores the server, the token, the pin
and the name the server gives the token."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QDialog

from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.ui.join_dialog import JoinDialog
from sequencer_server.invite import Invite, format_invite
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend
from tests.gui.join_helpers import click_join, joined_settings
from tests.server.test_user_commands import cli, server

KEYS = ("server_url", "api_token", "server_fingerprint", "user_name")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.open(tmp_path / "settings.ini")


@pytest.fixture
def dialog(qtbot, settings):
    pool = QThreadPool()
    dialog = JoinDialog(settings, TaskRunner(pool))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    yield dialog
    pool.waitForDone(10000)


@pytest.fixture
def band_server(tmp_path: Path):
    from sequencer_server.threaded import ThreadedServer

    backend = make_backend("sqlite-local", tmp_path)
    token = add_user(backend.store, "cleo")  # type: ignore[arg-type]
    with ThreadedServer(backend.app()) as running:
        yield running.url, token


def snapshot(settings: Settings) -> dict[str, str]:
    return {key: getattr(settings, key) for key in KEYS}


def refused(qtbot, dialog: JoinDialog, text: str) -> str:
    click_join(qtbot, dialog, text)
    qtbot.waitUntil(lambda: dialog.join_button.isEnabled(), timeout=15000)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    return dialog.message.text()


def dead_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_bad_invites_say_why_and_change_nothing(qtbot, dialog, settings, band_server):
    url, token = band_server
    before = snapshot(settings)
    assert "not an invite" in refused(qtbot, dialog, "join me at http://example")
    assert "not an invite" in refused(qtbot, dialog, "sequencer://join?url=ftp%3A%2F%2Fx&token=t")
    dead = format_invite(Invite(dead_url(), token))
    assert "No Sequencer server answers" in refused(qtbot, dialog, dead)
    wrong = format_invite(Invite(url, "not-a-token"))
    assert "does not accept this token" in refused(qtbot, dialog, wrong)
    clear = format_invite(Invite("http://192.0.2.7:8000", token))
    assert "plain http://" in refused(qtbot, dialog, clear)
    assert snapshot(settings) == before


def test_a_good_invite_stores_the_server_and_the_name_it_gives(
    qtbot, dialog, settings, band_server
):
    url, token = band_server
    settings.user_name = "typed-by-hand"
    click_join(qtbot, dialog, format_invite(Invite(url, token)))
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=15000)
    assert snapshot(settings) == {
        "server_url": url,
        "api_token": token,
        "server_fingerprint": "",
        "user_name": "cleo",
    }


def test_https_invite_pins_the_certificate_and_a_foreign_one_is_refused(
    qtbot, dialog, settings, tmp_path
):
    with server(tmp_path, "--tls-self-signed", token=TOKEN) as ready:
        url, fingerprint = ready["url"], ready["fingerprint"]
        text = cli(tmp_path, "invite", "dee", "--url", url).stdout.split()[-1]
        before = snapshot(settings)
        forged = text.replace(fingerprint, "ab" * 32)
        assert "different certificate" in refused(qtbot, dialog, forged)
        assert snapshot(settings) == before

        click_join(qtbot, dialog, text)
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=15000)
        assert settings.server_url == url and settings.server_fingerprint == fingerprint
        assert settings.user_name == "dee"


def test_a_changed_certificate_is_refused_with_a_clear_message(qtbot, tmp_path):
    """Joined with a pin, the app later meets another certificate at that address (the
    server's was replaced, or someone else answers): nothing is sent, and it says why.
    Joining again with the new certificate's invite reconnects at once."""
    from desktop_app.app import AppGraph

    with server(tmp_path / "srv", "--tls-self-signed", token=TOKEN) as ready:
        paths, settings = joined_settings(
            tmp_path / "home",
            tmp_path / "srv",
            ready["url"],
            fingerprint="cd" * 32,  # not the certificate the server shows
        )
        graph = AppGraph(paths, settings)
        qtbot.addWidget(graph.window)
        try:
            assert graph.session.user_id != "dee"  # /me was refused too
            graph.start()
            indicator = graph.window.connection_indicator
            qtbot.waitUntil(lambda: "certificate" in indicator.text(), timeout=15000)
            qtbot.waitUntil(
                lambda: "different certificate" in graph.window.statusBar().currentMessage()
            )
            # A new invite from the band (the server's real certificate): the join dialog
            # pins it and writes the same address and token; the app connects with it at
            # once, without a restart.
            url, token = settings.server_url, settings.api_token
            settings.set_pin(url, ready["fingerprint"])
            settings.api_token = token
            settings.server_url = url
            qtbot.waitUntil(lambda: graph.session.user_id == "dee", timeout=15000)
            window = graph.window
            qtbot.waitUntil(
                lambda: window.connection_indicator.text().startswith("Connected · "),
                timeout=15000,
            )
            assert graph.connection.api.fingerprint == ready["fingerprint"]
        finally:
            graph.window.close()
            graph.shutdown()
