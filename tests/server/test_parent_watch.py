"""The embedded server ends by itself once the app that started it is gone (the app may
die without stopping it), promptly and without waking up every second to check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import TOKEN


def test_the_server_exits_when_its_parent_process_ends(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "MONGODB_"))}
    env.update(API_TOKEN=TOKEN, ENV="test", PYTHONPATH=str(Path(__file__).parents[2]))
    cmd = [sys.executable, "-m", "sequencer_server", "--port", "0", "--ready-json",
           "--log-level", "warning", "--data-dir", str(tmp_path),
           "--parent-pid", str(parent.pid)]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        json.loads(server.stdout.readline())  # listening
        time.sleep(0.5)
        assert server.poll() is None
        parent.kill()
        parent.wait()
        started = time.monotonic()
        assert server.wait(10) == 0
        assert time.monotonic() - started < 3
    finally:
        for proc in (parent, server):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
