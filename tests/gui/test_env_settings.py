"""SEQUENCER_SERVER_URL, SEQUENCER_TOKEN and SEQUENCER_USER decide the window's server and
name as they decide the command line's: environment over settings (issue 10 #13)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.settings import Settings
from desktop_app.ui.settings_dialog import AudioDevices, SettingsDialog
from tests.conftest import TOKEN

ENV = {
    "SEQUENCER_SERVER_URL": "http://127.0.0.1:9/",
    "SEQUENCER_TOKEN": "from-env",
    "SEQUENCER_USER": "envy",
}


def test_environment_wins_over_the_file_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    stored = Settings.open(path)
    stored.server_url, stored.api_token, stored.user_name = "http://saved:1", "saved", "sam"
    stored.sync()

    settings = Settings.open(path, environ=ENV)
    assert settings.server_url == "http://127.0.0.1:9/"
    assert settings.api_token == "from-env"
    assert settings.user_name == "envy"
    assert settings.overridden_by("server_url") == "SEQUENCER_SERVER_URL"
    assert settings.stored(Settings.server_url) == "http://saved:1"

    blank = Settings.open(path, environ={"SEQUENCER_USER": "  "})  # blank means unset
    assert blank.user_name == "sam" and blank.overridden_by("user_name") == ""
    assert Settings.open(path).server_url == "http://saved:1"  # no environ: the file only


def test_dialog_shows_which_values_come_from_the_environment(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    saved = Settings.open(path)
    saved.user_name = "sam"
    saved.sync()
    settings = Settings.open(path, environ={"SEQUENCER_SERVER_URL": "http://127.0.0.1:9"})
    dialog = SettingsDialog(settings, devices=lambda: AudioDevices())
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.server_url.text() == "http://127.0.0.1:9"
    assert dialog.server_url.isReadOnly()
    assert "SEQUENCER_SERVER_URL" in dialog.server_url.toolTip()
    assert not dialog.user_name.isReadOnly()  # not overridden: editable as before
    assert dialog.env_note.isVisible()
    assert "SEQUENCER_SERVER_URL" in dialog.env_note.text()
    dialog.api_token.setText("tok")
    dialog.user_name.setText("sammy")
    dialog.accept()
    reread = Settings.open(path)
    assert reread.server_url == ""  # the environment's value was not copied into the file
    assert reread.user_name == "sammy" and reread.api_token == "tok"


def test_no_note_without_environment(qtbot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Settings.open(tmp_path / "s.ini"), devices=lambda: AudioDevices())
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.env_note.isVisible() and not dialog.server_url.isReadOnly()


def test_the_window_uses_the_server_and_name_from_the_environment(
    tmp_path: Path, live_server: str
) -> None:
    """``sequencer`` (the window) started with the three variables and an empty settings
    file posts its first-start Welcome thread to that server as that user — before the fix
    it started its own local server and used the login name."""
    home = tmp_path / "home"
    env = {
        **os.environ,
        "SEQUENCER_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PULSE_SERVER": "unix:/nonexistent",
        "SEQUENCER_SERVER_URL": live_server,
        "SEQUENCER_TOKEN": TOKEN,
        "SEQUENCER_USER": "env-user",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "--smoke-test", "--smoke-timeout", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    api = ApiClient(live_server, TOKEN)
    try:
        deadline = time.monotonic() + 60
        threads = []
        while time.monotonic() < deadline and not threads:
            threads = api.list_threads()
            time.sleep(0.2)
        assert [t.users for t in threads] == [("env-user",)]
    finally:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log = AppPaths.under(home).log_file.read_text()
    assert "server_url comes from the environment (SEQUENCER_SERVER_URL)" in log
    assert f"using the server at {live_server}" in log
