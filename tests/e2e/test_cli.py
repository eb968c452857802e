"""``sequencer threads|send|outbox`` as a user runs them, against the real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from desktop_app.domain.draft import MessageDraft
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend


def cli(home, *args, server=None, env_extra=None, check=True):
    env = {**os.environ, "SEQUENCER_HOME": str(home), **(env_extra or {})}
    cmd = [sys.executable, "-m", "desktop_app", *args]
    if server:
        cmd += ["--server", server, "--token", TOKEN, "--user", "carol"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_threads_and_send_through_the_outbox(tmp_path, live_server):
    home = tmp_path / "home"
    out = cli(home, "threads", "create", "CLI jam", server=live_server).stdout
    thread_id = out.split("\t")[0]
    listed = cli(home, "threads", "list", server=live_server).stdout
    assert "CLI jam" in listed and thread_id in listed

    pattern = tmp_path / "groove.json"
    pattern.write_text(json.dumps(demo_pattern().to_snapshot()))
    sent = cli(
        home, "send", str(pattern), "--thread", thread_id, "--loops", "2", server=live_server
    )
    message_id = sent.stdout.strip()
    messages = ApiClient(live_server, TOKEN).list_messages(thread_id).messages
    assert [m.id for m in messages] == [message_id]
    (render,) = messages[0].renders
    assert render.duration == round(2 * demo_pattern().pass_seconds, 3)
    assert messages[0].user_id == "carol" and messages[0].snapshot_metadata["loops"] == 2
    assert "empty" in cli(home, "outbox", "list", server=live_server).stderr


@pytest.fixture
def stoppable(tmp_path):
    """A real server that the test stops and starts again on the same port (the outbox is
    kept per server URL, so the URL must not change)."""
    backend = make_backend("sqlite-local", tmp_path)
    servers = [ThreadedServer(backend.app()).start()]
    url, port = servers[0].url, servers[0].port

    class Handle:
        def stop(self) -> None:
            servers[-1].stop()

        def start(self) -> None:
            servers.append(ThreadedServer(backend.app(), port=port).start())

    handle = Handle()
    handle.url = url
    yield handle
    servers[-1].stop()


def _groove(tmp_path):
    pattern = tmp_path / "groove.json"
    pattern.write_text(json.dumps(demo_pattern().to_snapshot()))
    return pattern


def test_send_to_a_dead_server_queues_then_flush_delivers(tmp_path, stoppable):
    """Issue 10 #6: it exited 2 ("Cannot reach the server") instead of queueing."""
    home = tmp_path / "home"
    thread_id = ApiClient(stoppable.url, TOKEN).create_thread("Later").id
    pattern = _groove(tmp_path)
    stoppable.stop()

    proc = cli(home, "send", str(pattern), "--thread", thread_id, "--loops", "1",
               server=stoppable.url, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    message_id = proc.stdout.strip()
    assert "queued: will be delivered by the app or `sequencer outbox flush`" in proc.stderr
    listed = cli(home, "outbox", "list", server=stoppable.url).stdout
    assert message_id in listed and "queued" in listed

    stoppable.start()
    cli(home, "outbox", "flush", server=stoppable.url)
    messages = ApiClient(stoppable.url, TOKEN).list_messages(thread_id).messages
    assert [m.id for m in messages] == [message_id]  # exactly once
    assert len(messages[0].renders) == 1
    assert "empty" in cli(home, "outbox", "list", server=stoppable.url).stderr


def test_send_wait_gives_up_with_a_clear_message(tmp_path, stoppable):
    home = tmp_path / "home"
    thread_id = ApiClient(stoppable.url, TOKEN).create_thread("Later").id
    stoppable.stop()
    started = time.monotonic()
    proc = cli(home, "send", str(_groove(tmp_path)), "--thread", thread_id, "--no-audio",
               "--wait=2", server=stoppable.url, check=False)  # fmt: skip
    assert proc.returncode == 1
    assert time.monotonic() - started >= 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("sequencer send: error: not delivered within 2 s (")
    assert last.endswith(
        "it stays queued: will be delivered by the app or `sequencer outbox flush`"
    )
    assert proc.stdout.strip() in cli(home, "outbox", "list", server=stoppable.url).stdout


def test_send_wait_delivers_once_the_server_is_back(tmp_path, stoppable):
    home = tmp_path / "home"
    thread_id = ApiClient(stoppable.url, TOKEN).create_thread("Later").id
    stoppable.stop()
    threading.Timer(2.0, stoppable.start).start()
    proc = cli(home, "send", str(_groove(tmp_path)), "--thread", thread_id, "--loops", "1",
               "--wait", server=stoppable.url, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "delivered"
    messages = ApiClient(stoppable.url, TOKEN).list_messages(thread_id).messages
    assert [m.id for m in messages] == [proc.stdout.strip()]


def test_send_to_a_missing_thread_is_refused(tmp_path, live_server):
    proc = cli(tmp_path / "h", "send", str(_groove(tmp_path)), "--thread", "nope",
               "--no-audio", server=live_server, check=False)  # fmt: skip
    assert proc.returncode == 2 and "thread nope" in proc.stderr


def test_malformed_pattern_is_one_line(tmp_path, live_server):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "sequencer.pattern", "version": "0.0.1", "bpm": 999}))
    proc = cli(tmp_path / "h", "send", str(bad), "--thread", "x", server=live_server, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert 'The tempo must be between 20 and 300, not 999 (the "bpm" field).' in proc.stderr


def test_embedded_server_is_used_without_a_url(tmp_path):
    home = tmp_path / "home"
    out = cli(home, "threads", "create", "Local").stdout
    assert "\tLocal" in out
    assert "Local" in cli(home, "threads", "list").stdout  # persisted across runs


def test_outbox_flush_creates_threads_made_offline_before_their_messages(tmp_path, live_server):
    from desktop_app.paths import AppPaths
    from desktop_app.services.outbox import Outbox

    home = tmp_path / "home"
    outbox = Outbox(*AppPaths.under(home).outbox_for(live_server))
    empty = outbox.add_thread("Nothing posted yet", ("carol",))
    busy = outbox.add_thread("Train ideas", ("carol",))
    entry = outbox.add(MessageDraft(busy.id, "carol", demo_pattern().to_snapshot()))
    outbox.close()
    listed = cli(home, "outbox", "list", server=live_server).stdout
    assert "new thread “Train ideas”" in listed and entry.id in listed

    cli(home, "outbox", "flush", server=live_server)
    api = ApiClient(live_server, TOKEN)
    assert {t.id: t.name for t in api.list_threads()} == {
        empty.id: "Nothing posted yet",
        busy.id: "Train ideas",
    }
    assert [m.id for m in api.list_messages(busy.id).messages] == [entry.id]
    assert "empty" in cli(home, "outbox", "list", server=live_server).stderr


def test_commands_use_the_pin_of_a_joined_https_server(tmp_path):
    """Joined in the window (settings hold the pin), ``sequencer threads list`` reaches the
    self-signed HTTPS server too."""
    from desktop_app.paths import AppPaths
    from desktop_app.settings import Settings
    from sequencer_server.invite import parse_invite
    from tests.server.test_user_commands import cli as server_cli
    from tests.server.test_user_commands import server

    data = tmp_path / "srv"
    with server(data, "--tls-self-signed", token=TOKEN) as ready:
        invite = parse_invite(
            server_cli(data, "invite", "dee", "--url", ready["url"]).stdout.split()[-1]
        )
        service = ApiClient(invite.url, TOKEN, fingerprint=invite.fingerprint)
        service.create_thread("Pinned jam")
        service.close()
        home = tmp_path / "home"
        os.environ["SEQUENCER_HOME"] = str(home)
        try:
            settings = Settings.open(AppPaths.from_env().ensure().settings_file)
        finally:
            del os.environ["SEQUENCER_HOME"]
        settings.server_url, settings.api_token = invite.url, invite.token
        settings.server_fingerprint = invite.fingerprint or ""
        settings.sync()
        assert "Pinned jam" in cli(home, "threads", "list").stdout
