"""``sequencer --smoke-test`` against the installed package: the real entry point in a real
process, offscreen, in a throw-away SEQUENCER_HOME. (``make package`` runs the same test
against the PyInstaller bundle; the suite never builds one.)"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from desktop_app.domain.pattern import demo_pattern
from desktop_app.paths import AppPaths

CHECKS = (
    "window shown",
    "server answers /healthz",
    "PortAudio loaded",
    "MP3 playback",
    "HTTPS certificate for sharing",
    "Welcome thread rendered and uploaded",
)


def _sequencer() -> list[str]:
    """The installed ``sequencer`` script beside this interpreter, as a user starts it."""
    script = Path(sys.executable).parent / "sequencer"
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop_app"]


def _run(args: list[str], env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_sequencer(), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PULSE_SERVER": "unix:/nonexistent"}
    env.pop("SEQUENCER_HOME", None)
    env.update(extra)
    return env


def test_installed_app_passes_its_smoke_test(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = _run(["--smoke-test"], _env(SEQUENCER_HOME=str(home)))
    assert result.returncode == 0, result.stdout + result.stderr
    for check in CHECKS:
        assert any(line.startswith(f"ok   {check}") for line in result.stdout.splitlines()), (
            check,
            result.stdout,
        )
    assert "smoke test passed" in result.stdout
    assert "--run-embedded-server" not in result.stdout  # not frozen: python -m ...
    log = AppPaths.under(home).log_file.read_text()
    assert "Embedded server stopped" in log and "Sequencer stopped" in log


def test_smoke_test_opens_a_pattern_given_on_the_command_line(tmp_path: Path) -> None:
    pattern = demo_pattern()
    pattern.bpm = 87.0
    groove = tmp_path / "groove.json"
    groove.write_text(json.dumps(pattern.to_snapshot()), encoding="utf-8")
    home = tmp_path / "home"
    result = _run(["--smoke-test", str(groove)], _env(SEQUENCER_HOME=str(home)))
    assert result.returncode == 0, result.stdout + result.stderr
    # The pattern on screen at quit is saved: it is the file that was opened.
    saved = json.loads(AppPaths.under(home).session_pattern_file.read_text())
    assert saved["bpm"] == 87.0


def test_smoke_test_fails_when_the_server_does_not_answer(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    home = tmp_path / "home"
    paths = AppPaths.under(home).ensure()
    # Written as the app's INI file directly: a QSettings-backed Settings object made in
    # this process (which has no QApplication) would outlive the test into Qt-based ones.
    paths.settings_file.write_text(
        f"[connection]\nserver_url=http://127.0.0.1:{port}\napi_token=token\n", encoding="utf-8"
    )
    result = _run(["--smoke-test", "--smoke-timeout", "3"], _env(SEQUENCER_HOME=str(home)))
    assert result.returncode == 1
    assert "ok   window shown" in result.stdout
    assert "FAIL server answers /healthz" in result.stdout
    assert "smoke test FAILED" in result.stdout


def test_smoke_test_without_a_home_leaves_nothing_behind(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = _run(["--smoke-test"], _env(TMPDIR=str(scratch)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SEQUENCER_HOME={scratch}" in result.stdout
    assert list(scratch.iterdir()) == []
