"""``python -m desktop_app`` as a user starts it: a real process, offscreen, in a fresh
SEQUENCER_HOME; quit by SIGTERM like a session manager would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from desktop_app.paths import AppPaths
from desktop_app.settings import Settings
from tests.gui.started_app import wait_for


def test_starts_creates_welcome_and_stops_cleanly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {
        **os.environ,
        "SEQUENCER_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PULSE_SERVER": "unix:/nonexistent",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    paths = AppPaths.under(home)
    try:

        def welcomed() -> bool:
            # The worker logs the thread before the GUI thread stores it in the settings:
            # wait for the settings, or a SIGTERM in between finds no id there.
            return (
                paths.log_file.exists()
                and "Welcome thread" in paths.log_file.read_text()
                and paths.settings_file.exists()
                and "welcome_thread_id=" in paths.settings_file.read_text()
            )

        assert wait_for(welcomed, 30), proc.stderr.read() if proc.poll() is not None else ""
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the embedded server runs as a child process"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    _gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive
    log = paths.log_file.read_text()
    assert "Embedded server stopped" in log
    assert "Sequencer stopped" in log
    settings = Settings.open(paths.settings_file)
    assert settings.welcome_thread_id
    assert settings.window_geometry  # the layout was saved on the way out
    assert paths.session_pattern_file.exists()
    assert (paths.server_data_dir).is_dir()
