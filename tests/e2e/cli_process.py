"""The ``sequencer`` command line as a script runs it: a real subprocess of this Python,
with its folders under a home of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``sequencer ARGS`` with ``SEQUENCER_HOME=home``; its exit status, stdout and stderr
    are the caller's to check."""
    env = {**os.environ, "SEQUENCER_HOME": str(home)}
    cmd = [sys.executable, "-m", "desktop_app", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
