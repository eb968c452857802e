"""The seed's send flow through ThreadsState, against the real server on loopback:
optimistic row, upload with progress, attach, failures, offline, restart, live sync."""

from __future__ import annotations

import time

import numpy as np
import pytest

from desktop_app.domain.draft import MessageDraft
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.outbox import Stage
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_FAILED, RENDER_READY, RENDER_UPLOADING
from desktop_app.state.playback_controller import recordings_in
from desktop_app.ui.message_row_audio import failure_parts
from sequencer_server.threaded import ThreadedServer
from tests.gui.send_helpers import TIMEOUT, Client, server_messages, take


def test_send_shows_pending_then_uploading_then_player(qtbot, alice, server, thread_id, tmp_path):
    seen: set[str] = set()
    model = alice.state.messages
    model.dataChanged.connect(
        lambda a, b, roles: seen.add(model.index(a.row()).data(Roles.RENDER_STATE))
    )
    snapshot = demo_pattern().to_snapshot()
    message_id = alice.state.send_message_from_sequencer(snapshot, take(tmp_path))
    # at once, before any network call has answered
    assert model.rowCount() == 1
    # queued: the player plays the take from the outbox (issue 10 #7) until it uploads
    assert alice.render_state(message_id) in (RENDER_READY, RENDER_UPLOADING)
    assert not model.message(message_id).renders
    qtbot.waitUntil(lambda: alice.delivered(message_id), timeout=TIMEOUT)
    assert RENDER_UPLOADING in seen
    on_server = server_messages(server[0].url, thread_id)
    assert [m.id for m in on_server] == [message_id]
    assert len(on_server[0].renders) == 1
    meta = on_server[0].snapshot_metadata
    assert meta["bpm"] == 122.0 and meta["loops"] == round(8.0 / demo_pattern().pass_seconds)
    # the delivered entry's recording is no longer the outbox's business
    qtbot.waitUntil(lambda: alice.outbox.pending() == [], timeout=TIMEOUT)


def test_permanent_failure_shows_reason_and_retry(qtbot, alice, server, tmp_path):
    bad = take(tmp_path)
    bad.mp3_path.write_bytes(b"this is not an mp3 at all" * 100)
    message_id = alice.state.send_message_from_sequencer(demo_pattern().to_snapshot(), bad)
    qtbot.waitUntil(lambda: alice.render_state(message_id) == RENDER_FAILED, timeout=TIMEOUT)
    index = alice.state.messages.index(alice.state.messages.row_of(message_id))
    assert "not an MP3 file" in index.data(Roles.ERROR_TEXT)
    # Retry with the file fixed in the outbox (what a user cannot do, but it proves Retry)
    entry = alice.outbox.get(message_id)
    entry.audio.path.write_bytes(take(tmp_path, name="fixed").mp3_path.read_bytes())
    alice.state.retry_message(message_id)
    qtbot.waitUntil(lambda: alice.delivered(message_id), timeout=TIMEOUT)


def test_send_while_offline_queues_and_delivers_when_back(qtbot, server, tmp_path, thread_id):
    srv, backend = server
    client = Client(qtbot, srv.url, tmp_path / "offline")
    client.open(thread_id)
    try:
        srv.stop()
        message_id = client.state.send_message_from_sequencer(
            demo_pattern().to_snapshot(), take(tmp_path)
        )
        qtbot.waitUntil(
            lambda: (
                client.outbox.get(message_id) is not None
                and client.outbox.get(message_id).attempts >= 1
            ),
            timeout=TIMEOUT,
        )
        # Issue 10 #7: a queued message whose take is on disk shows its player (the
        # take's length and waveform) and says it is waiting, instead of no player at all.
        index = client.state.messages.index(client.state.messages.row_of(message_id))
        assert client.render_state(message_id) == RENDER_READY
        assert index.data(Roles.TIME_TEXT).endswith(" · waiting to send")
        assert index.data(Roles.DURATION) == 8.0 and index.data(Roles.PEAKS) == (0.3,) * 100
        assert not index.data(Roles.RENDERS)  # nothing local goes out as a render
        assert recordings_in(client.outbox.files_dir)(message_id) is not None
        restarted = ThreadedServer(backend.app(), port=srv.port).start()
        try:
            client.state.reconnect_now()
            qtbot.waitUntil(lambda: client.delivered(message_id), timeout=TIMEOUT)
            assert len(server_messages(restarted.url, thread_id)[0].renders) == 1
        finally:
            restarted.stop()
    finally:
        client.close()


def test_restart_resumes_the_outbox(qtbot, server, tmp_path, thread_id):
    srv, _ = server
    home = tmp_path / "restart"
    first = Client(qtbot, srv.url, home)
    entry = first.outbox.add(
        MessageDraft(thread_id, "alice", demo_pattern().to_snapshot(), id="m-restart")
    )
    assert entry.stage == Stage.QUEUED
    first.close()
    first.outbox.close()

    second = Client(qtbot, srv.url, home)
    second.open(thread_id)
    try:
        qtbot.waitUntil(lambda: second.render_state("m-restart") is not None, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: second.outbox.pending() == [], timeout=TIMEOUT)
        assert [m.id for m in server_messages(srv.url, thread_id)] == ["m-restart"]
    finally:
        second.close()


def test_second_client_sees_message_render_and_delete_within_2s(
    qtbot, alice, server, tmp_path, thread_id
):
    bob = Client(qtbot, server[0].url, tmp_path / "bob", user="bob")
    bob.open(thread_id)
    bob.state.start_live_sync()
    try:
        message_id = alice.state.send_message_from_sequencer(
            demo_pattern().to_snapshot(), take(tmp_path)
        )
        qtbot.waitUntil(lambda: alice.delivered(message_id), timeout=TIMEOUT)
        attached_at = time.monotonic()
        qtbot.waitUntil(lambda: bob.delivered(message_id), timeout=2000)
        assert time.monotonic() - attached_at <= 2.0
        alice.state.delete_message(message_id)
        assert alice.state.messages.rowCount() == 0
        deleted_at = time.monotonic()
        qtbot.waitUntil(lambda: bob.render_state(message_id) is None, timeout=2500)
        assert time.monotonic() - deleted_at <= 2.5  # delete request + one poll
        assert server_messages(server[0].url, thread_id) == []
        assert not bob.state.is_deletable("anything")
    finally:
        bob.close()


def test_drop_wav_sends_it_and_other_files_are_refused(qtbot, alice, server, tmp_path):
    from desktop_app.audio.wavio import write_wav

    wav = tmp_path / "loop.wav"
    rate = 48000
    t = np.arange(rate) / rate
    write_wav(wav, np.stack([np.sin(2 * np.pi * 220 * t)] * 2, axis=1).astype(np.float32), rate)
    alice.state.send_audio_file(wav)
    qtbot.waitUntil(lambda: alice.state.messages.rowCount() == 1, timeout=TIMEOUT)
    message_id = alice.state.messages.message_at(0).id
    qtbot.waitUntil(lambda: alice.delivered(message_id), timeout=TIMEOUT)
    render = alice.state.messages.message_at(0).renders[0]
    assert render.duration == pytest.approx(1.0) and render.peaks
    # the MP3 made from the WAV was moved into the outbox, not left behind as a copy
    assert not list(alice.outbox.scratch_dir.glob("*.mp3"))

    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with qtbot.waitSignal(alice.state.error, timeout=TIMEOUT) as refused:
        alice.state.send_audio_file(text)
    assert "Drop an MP3, WAV, AIFF or FLAC file" in refused.args[0]


def test_quitting_during_an_upload_loses_nothing(qtbot, server, tmp_path, thread_id):
    from tests.e2e.proxy import CuttingProxy

    srv, _ = server
    proxy = CuttingProxy("127.0.0.1", srv.port).start()
    proxy.upstream_delay = 0.05  # ~1.3 MB/s: the upload takes a while
    home = tmp_path / "quitter"
    try:
        client = Client(qtbot, proxy.url, home)
        client.open(thread_id)
        message_id = client.state.send_message_from_sequencer(
            demo_pattern().to_snapshot(), take(tmp_path, seconds=20.0)
        )
        qtbot.waitUntil(
            lambda: client.render_state(message_id) == RENDER_UPLOADING, timeout=TIMEOUT
        )
        client.close()  # the app quits: no question asked, the upload is abandoned
        client.outbox.close()
        assert client.uploads.pool.activeThreadCount() == 0  # the upload stopped at once
    finally:
        proxy.stop()
    # next start, straight to the server: the message is delivered exactly once
    again = Client(qtbot, srv.url, home)
    again.open(thread_id)
    try:
        qtbot.waitUntil(lambda: again.delivered(message_id), timeout=TIMEOUT)
        (message,) = server_messages(srv.url, thread_id)
        assert message.id == message_id and len(message.renders) == 1
    finally:
        again.close()


def test_outbox_that_cannot_take_a_message_says_why_and_retry_sends_it(
    qtbot, alice, server, thread_id, tmp_path, monkeypatch
):
    recording = take(tmp_path)
    real_add = alice.outbox.add

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(alice.outbox, "add", full_disk)
    with qtbot.waitSignal(alice.state.error, timeout=TIMEOUT) as told:
        message_id = alice.state.send_message_from_sequencer(
            demo_pattern().to_snapshot(), recording
        )
    assert "No space left on device" in told.args[0]
    assert alice.render_state(message_id) == RENDER_FAILED  # shown, with Retry
    monkeypatch.setattr(alice.outbox, "add", real_add)  # space was freed
    alice.state.retry_message(message_id)
    qtbot.waitUntil(lambda: alice.delivered(message_id), timeout=TIMEOUT)
    assert [m.id for m in server_messages(server[0].url, thread_id)] == [message_id]


def test_a_failed_pattern_only_send_says_posting_failed_not_upload(
    qtbot, server, tmp_path, thread_id
):
    """No audio, so nothing was uploaded: the row must say that posting the message
    failed (here the server refuses a user name longer than it accepts), before and after
    Retry."""
    client = Client(qtbot, server[0].url, tmp_path / "long", user="x" * 300)
    client.open(thread_id)
    try:
        message_id = client.state.send_message_from_sequencer(demo_pattern().to_snapshot(), None)
        qtbot.waitUntil(lambda: client.render_state(message_id) == RENDER_FAILED, timeout=TIMEOUT)
        model = client.state.messages
        index = model.index(model.row_of(message_id))
        assert index.data(Roles.ERROR_TEXT).startswith("Could not post the message — ")
        headline, reason = failure_parts(index)
        assert headline == "Could not post the message"  # painted before Retry
        assert reason and "upload" not in index.data(Roles.ERROR_TEXT).lower()

        client.state.retry_message(message_id)
        qtbot.waitUntil(lambda: client.render_state(message_id) != RENDER_FAILED, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: client.render_state(message_id) == RENDER_FAILED, timeout=TIMEOUT)
        index = model.index(model.row_of(message_id))
        assert failure_parts(index)[0] == "Could not post the message"
        assert server_messages(server[0].url, thread_id) == []
    finally:
        client.close()


def test_a_delivered_pattern_leaves_the_outbox(qtbot, alice, server, thread_id):
    """A message without audio has nothing to keep once the server holds it: its outbox
    row goes, or the outbox would grow with every pattern ever sent."""
    message_id = alice.state.send_message_from_sequencer(demo_pattern().to_snapshot(), None)
    qtbot.waitUntil(
        lambda: [m.id for m in server_messages(server[0].url, thread_id)] == [message_id],
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(lambda: alice.outbox.entries() == [], timeout=TIMEOUT)
