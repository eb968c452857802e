"""Joining a real server: typing into the real join dialog and clicking its Join button
where it is painted, or starting from the settings an accepted invite leaves."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop_app.paths import AppPaths
from desktop_app.settings import Settings
from desktop_app.ui.join_dialog import JoinDialog
from sequencer_server.invite import parse_invite
from tests.server.test_user_commands import cli


def click_join(qtbot, dialog: JoinDialog, text: str) -> None:
    dialog.invite.clear()
    QTest.keyClicks(dialog.invite, text)
    button = dialog.join_button
    qtbot.waitUntil(button.isVisible)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())


def joined_settings(
    home: Path, server_dir: Path, url: str, *, fingerprint: str | None = None
) -> tuple[AppPaths, Settings]:
    """The app's folders and settings as "dee" after joining the server at ``url`` with a
    fresh invite (past the first start); ``fingerprint`` replaces the invite's pin."""
    text = cli(server_dir, "invite", "dee", "--url", url).stdout.split()[-1]
    invite = parse_invite(text)
    paths = AppPaths.under(home).ensure()
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"
    settings.server_url, settings.api_token = invite.url, invite.token
    settings.server_fingerprint = invite.fingerprint or "" if fingerprint is None else fingerprint
    return paths, settings
