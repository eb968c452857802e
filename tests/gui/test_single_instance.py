"""A second ``sequencer FILE`` hands its files to the running window and exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.single_instance import (
    InstanceServer,
    forward_to_running,
    instance_name,
)


def test_files_reach_the_running_instance(qtbot, tmp_path):
    name = f"sequencer-test-{uuid.uuid4().hex[:8]}"
    assert not forward_to_running(name, [])  # nobody is listening yet
    server = InstanceServer(name)
    assert server.listening
    try:
        with qtbot.waitSignal(server.filesReceived, timeout=3000) as got:
            assert forward_to_running(name, ["groove.json", str(tmp_path / "take.mp3")])
        assert got.args[0] == [
            str((tmp_path.cwd() / "groove.json").absolute()),
            str(tmp_path / "take.mp3"),
        ]
        with qtbot.waitSignal(server.filesReceived, timeout=3000) as woken:
            assert forward_to_running(name, [])  # `sequencer` again: just show the window
        assert woken.args[0] == []
    finally:
        server.close()


def test_names_follow_the_data_folder(tmp_path):
    assert instance_name(tmp_path / "a") != instance_name(tmp_path / "b")
    assert instance_name(tmp_path / "a") == instance_name(tmp_path / "a")


def test_second_launch_opens_the_file_in_the_first(qtbot, tmp_path):
    """The real command line against a listening instance for the same SEQUENCER_HOME."""
    from desktop_app.paths import AppPaths

    home = tmp_path / "home"
    server = InstanceServer(instance_name(AppPaths.under(home).data_dir))
    pattern = tmp_path / "groove.json"
    pattern.write_text(json.dumps(demo_pattern().to_snapshot()))
    try:
        with qtbot.waitSignal(server.filesReceived, timeout=20000) as got:
            proc = subprocess.Popen(
                [sys.executable, "-m", "desktop_app", str(pattern)],
                env={**os.environ, "SEQUENCER_HOME": str(home)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "already running" in err
        assert got.args[0] == [str(pattern)]
    finally:
        server.close()


def test_names_are_the_folder_not_its_spelling(tmp_path):
    real = tmp_path / "data"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert instance_name(tmp_path / "link") == instance_name(real)
    assert instance_name(tmp_path / "x" / ".." / "data") == instance_name(real)
    names = {instance_name(tmp_path / f"home{i}" / "data") for i in range(200)}
    assert len(names) == 200


def _start_app(home):
    env = {
        **os.environ,
        "SEQUENCER_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PULSE_SERVER": "unix:/nonexistent",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_running_windows_listen_on_their_own_data_folder(qtbot, tmp_path):
    """Two real apps on two data folders: each listens on its own folder's name, and a
    later ``sequencer FILE`` with one folder opens the file in that folder's window
    without starting a second window or a second embedded server."""
    import psutil

    from desktop_app.paths import AppPaths

    homes = [tmp_path / "home-a", tmp_path / "home-b"]
    apps = [_start_app(home) for home in homes]
    try:
        for home, app in zip(homes, apps, strict=True):
            name = instance_name(AppPaths.under(home).data_dir)
            qtbot.waitUntil(
                lambda name=name, app=app: app.poll() is None and forward_to_running(name, []),
                timeout=40000,
            )
        for index, (home, app) in enumerate(zip(homes, apps, strict=True)):
            pattern = tmp_path / f"groove-{index}.json"
            pattern.write_text(json.dumps(demo_pattern().to_snapshot()))
            second = subprocess.run(
                [sys.executable, "-m", "desktop_app", str(pattern)],
                env={**os.environ, "SEQUENCER_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 0 and "already running" in second.stderr
            log_file = AppPaths.under(home).log_file
            qtbot.waitUntil(
                lambda log_file=log_file, pattern=pattern: (
                    f"opening {pattern} from the command line" in log_file.read_text()
                ),
                timeout=10000,
            )
            others = AppPaths.under(homes[1 - index]).log_file.read_text()
            assert str(pattern) not in others  # the other folder's window got nothing
            servers = psutil.Process(app.pid).children(recursive=True)
            assert len(servers) == 1, "one embedded server per data folder"
    finally:
        for app in apps:
            app.terminate()
        for app in apps:
            try:
                app.wait(20)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
