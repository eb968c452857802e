"""A musician's grid survives a crash: ``kill -9`` shortly after an edit, and the next
start shows that grid, not the demo groove (the pattern used to be saved only on a clean
quit). Real processes, offscreen, in a fresh SEQUENCER_HOME."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from desktop_app.domain.pattern import demo_pattern
from desktop_app.paths import AppPaths
from desktop_app.services.pattern_files import SessionPattern
from tests.gui.started_app import wait_for


def _start(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SEQUENCER_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PULSE_SERVER": "unix:/nonexistent",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _saved_bpm(paths: AppPaths) -> float | None:
    pattern = SessionPattern(paths.session_pattern_file).load()
    return pattern.bpm if pattern is not None else None


def _stop(proc: subprocess.Popen[str], sig: signal.Signals) -> None:
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(sig)
    proc.wait(20)
    for child in children:  # a killed app leaves its embedded server behind
        if child.is_running():
            child.kill()
    psutil.wait_procs(children, timeout=5)


def test_the_grid_survives_kill_9(tmp_path: Path) -> None:
    home = tmp_path / "home"
    paths = AppPaths.under(home)
    groove = demo_pattern()
    groove.bpm, groove.swing = 96.0, 0.25
    path = tmp_path / "beat.json"
    path.write_text(json.dumps(groove.to_snapshot()), encoding="utf-8")

    proc = _start(home, str(path))  # the edit: a pattern loaded onto the grid
    try:
        opened = lambda: paths.log_file.exists() and "beat.json" in paths.log_file.read_text()  # noqa: E731
        assert wait_for(opened, 40), "the app never opened the file"
        # Written within the autosave delay, with no quit.
        assert wait_for(lambda: _saved_bpm(paths) == 96.0, 5)
        _stop(proc, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    again = _start(home)  # the next start reopens it (and keeps it on a clean quit)
    try:
        started = "later starts on this data folder"  # logged once the window is up
        assert wait_for(lambda: paths.log_file.read_text().count(started) == 2, 40)
        _stop(again, signal.SIGTERM)
    finally:
        if again.poll() is None:
            again.kill()
            again.wait()
    saved = SessionPattern(paths.session_pattern_file).load()
    assert saved is not None and (saved.bpm, saved.swing) == (96.0, 0.25)
