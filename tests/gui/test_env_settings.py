"""SEQUENCER_SERVER_URL, SEQUENCER_TOKEN and SEQUENCER_USER decide the window's server and
name as they decide the command line's: environment over settings (issue 10 #13)."""

from __future__ import annotations

import os
import subprocess
import sys
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
    file uses that server as that user — and, that server being the band's, posts no
    first-start Welcome thread there (every bandmate would see it)."""
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
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--smoke-test", "--smoke-timeout", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Welcome" not in proc.stdout  # not even waited for
    assert ApiClient(live_server, TOKEN).list_threads() == []
    paths = AppPaths.under(home)
    log = paths.log_file.read_text()
    assert "server_url comes from the environment (SEQUENCER_SERVER_URL)" in log
    assert "user_name comes from the environment (SEQUENCER_USER)" in log
    assert f"using the server at {live_server}" in log
    assert not list(paths.server_data_dir.glob("*"))  # no local server started either
    # The first start with the local server still gets its Welcome.
    assert Settings.open(paths.settings_file).welcome_thread_id == ""
