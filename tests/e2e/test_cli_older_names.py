"""Names and words an older server stored with control characters or bidi overrides are
never shown as they are: ``sequencer threads list`` on a terminal, the window's lists."""

from __future__ import annotations

import os
import subprocess
import sys

from desktop_app.domain.message import Message, Thread
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend

DIRTY = "\x1b[2J\x1b[31mpwned\x07 \u202e3pm.mp3\x00"


def test_threads_list_never_prints_controls_an_older_server_stored(tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    now = "2026-11-24T10:00:00Z"
    backend.store.create_thread(  # type: ignore[attr-defined]
        {"id": "old-thread", "name": DIRTY, "users": [], "created_at": now, "updated_at": now}
    )
    with ThreadedServer(backend.app()) as server:
        env = {**os.environ, "SEQUENCER_HOME": str(tmp_path / "home")}
        cmd = [sys.executable, "-m", "desktop_app", "threads", "list",
               "--server", server.url, "--token", TOKEN, "--user", "carol"]  # fmt: skip
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("old-thread"))
    assert not any(c in line for c in "\x1b\x07\x00\u202e")
    assert "<U+001B>[2J<U+001B>[31mpwned<U+0007> <U+202E>3pm.mp3<U+0000>" in line


def test_messages_and_threads_are_read_clean():
    message = Message.from_json(
        {
            "id": "m",
            "parent_thread": "t",
            "user_id": "ada\u202e",
            "user_name": "Ada\x1b[5m",
            "text": "line\n\tindent\x1b[2J\r\u2066end",
            "timestamp": "",
        }
    )
    assert message.text == "line\n\tindent[2Jend"
    assert message.user_id == "ada<U+202E>"
    assert message.extra["user_name"] == "Ada<U+001B>[5m"
    thread = Thread.from_json({"id": "t", "name": "Jam\x07", "users": ["bo\x1bb"]})
    assert thread.name == "Jam<U+0007>" and thread.users == ("bo<U+001B>b",)
