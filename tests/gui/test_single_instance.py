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
