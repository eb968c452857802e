"""Exactly once: a sent message reaches the thread with one render, whatever breaks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from desktop_app.domain.draft import MessageDraft
from desktop_app.services.api import ApiClient, PermanentApiError, TransientApiError
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import Stage
from tests.conftest import TOKEN, make_backend
from tests.e2e.conftest import Rig
from tests.e2e.proxy import CuttingProxy

SNAPSHOT = {
    "format": "sequencer.pattern",
    "version": "0.0.1",
    "bpm": 120,
    "length": 16,
    "tracks": [],
}


def send(rig, take, **kw):
    return rig.outbox.add(MessageDraft(rig.thread_id, "alice", SNAPSHOT, audio=take, **kw))


def assert_exactly_once(rig, entry_id: str) -> None:
    messages = rig.server_messages()
    assert [m.id for m in messages] == [entry_id]
    assert len(messages[0].renders) == 1
    assert rig.stored_uploads() == 1
    assert rig.outbox.get(entry_id).stage == Stage.ATTACHED


def test_full_send(rig, take):
    entry = send(rig, take)
    seen = []
    done = rig.delivery().deliver(entry, progress=lambda d, t: seen.append((d, t)))
    assert done.stage == Stage.ATTACHED
    assert_exactly_once(rig, entry.id)
    render = rig.server_messages()[0].renders[0]
    assert render.bitrate == 320 and render.duration == 20.0 and render.peaks == (0.1, 0.5, 0.9)
    assert render.size_bytes == take.path.stat().st_size
    assert seen[-1][0] == seen[-1][1] > render.size_bytes


def test_outbox_keeps_its_own_copy_of_the_recording(rig, take):
    entry = send(rig, take)
    take.path.unlink()
    rig.delivery().deliver(entry)
    assert_exactly_once(rig, entry.id)


def test_server_down_at_send_time_then_back(rig, take):
    entry = send(rig, take)
    rig.stop_server()
    with pytest.raises(TransientApiError):
        rig.delivery().deliver(entry)
    stored = rig.outbox.get(entry.id)
    assert stored.stage == Stage.QUEUED and stored.attempts == 1 and stored.next_attempt_at > 0
    assert "Cannot reach the server" in stored.last_error
    rig.start_server()
    rig.delivery().deliver(stored)
    assert_exactly_once(rig, entry.id)


def test_one_500_during_upload_is_retried(rig, take):
    from sequencer_server.app import create_app
    from tests.server.test_failures import BrokenStorage

    storage = BrokenStorage(rig.backend.storage, {"put"})
    rig.stop_server()
    rig.start_server(create_app(rig.backend.settings, store=rig.backend.store, storage=storage))
    entry = send(rig, take)
    with pytest.raises(TransientApiError) as info:
        rig.delivery().deliver(entry)
    assert info.value.status == 500
    assert rig.outbox.get(entry.id).stage == Stage.CREATED
    storage.fail.clear()
    rig.delivery().deliver(rig.outbox.get(entry.id))
    assert_exactly_once(rig, entry.id)


def test_connection_cut_in_the_middle_of_the_upload(rig, take):
    proxy = CuttingProxy("127.0.0.1", rig.server.port).start()
    try:
        entry = send(rig, take)
        delivery = rig.delivery(proxy.url)
        # the create request is small and gets through; the upload is cut at 300 kB
        proxy.cut_after = 300_000
        with pytest.raises(TransientApiError):
            delivery.deliver(entry)
        assert proxy.cuts >= 1
        stored = rig.outbox.get(entry.id)
        assert stored.stage == Stage.CREATED
        proxy.cut_after = None
        delivery.deliver(stored)
    finally:
        proxy.stop()
    assert_exactly_once(rig, entry.id)


def test_an_upload_too_slow_for_the_server_is_tried_again_later(tmp_path, take):
    # The server answers 408 to a body that trickles below its minimum rate: a slow or
    # congested uplink, not a refusal. The message was marked failed for good.
    backend = make_backend(
        "sqlite-local", tmp_path, REQUEST_TIMEOUT_S="0.5", MIN_BODY_KB_PER_S="64"
    )
    rig = Rig(tmp_path, backend)
    proxy = CuttingProxy("127.0.0.1", rig.server.port).start()
    try:
        entry = send(rig, take)
        proxy.upstream_delay = 2.0  # 64 kB every 2 s: 32 kB/s, half the server's minimum
        with pytest.raises(TransientApiError) as info:
            rig.delivery(proxy.url).deliver(entry)
        assert info.value.status == 408
        stored = rig.outbox.get(entry.id)
        assert stored.stage == Stage.CREATED and stored.next_attempt_at > 0
        proxy.upstream_delay = 0.0
        rig.delivery(proxy.url).deliver(stored)
        assert_exactly_once(rig, entry.id)
    finally:
        proxy.stop()
        rig.server.stop()


def test_permanent_error_marks_failed_and_retry_recovers(rig, take):
    entry = rig.outbox.add(MessageDraft("no-such-thread", "alice", SNAPSHOT, audio=take))
    with pytest.raises(PermanentApiError):
        rig.delivery().deliver(entry)
    failed = rig.outbox.get(entry.id)
    assert failed.stage == Stage.FAILED and failed.failed_stage == Stage.QUEUED
    assert "not found" in failed.last_error
    assert rig.outbox.pending() == []
    again = rig.delivery().retry(entry.id)
    assert again.stage == Stage.QUEUED and again.last_error is None


def test_wrong_token_is_permanent_with_a_clear_message(rig, take):
    from desktop_app.services.api import ApiClient
    from desktop_app.services.delivery import Delivery

    entry = send(rig, take)
    with pytest.raises(PermanentApiError) as info:
        Delivery(ApiClient(rig.url, "wrong"), rig.outbox).deliver(entry)
    assert info.value.status == 401
    assert "refused the API token" in rig.outbox.get(entry.id).last_error


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from desktop_app.services.api import ApiClient
    from desktop_app.services.delivery import Delivery
    from desktop_app.services.outbox import Outbox, Stage

    url, token, db, files, entry_id, when = sys.argv[1:7]
    outbox = Outbox(Path(db), Path(files))
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    def on_stage(entry, message):
        if (when, entry.stage) in (("after-create", Stage.CREATED),
                                   ("after-upload", Stage.UPLOADED)):
            die()
    def progress(done, total):
        if when == "mid-upload" and done > total // 2:
            die()
        if when == "upload-sent" and done >= total:
            die()
    Delivery(ApiClient(url, token), outbox).deliver(
        outbox.get(entry_id), progress=progress, on_stage=on_stage)
    print("not killed")
    """
)


@pytest.mark.parametrize("when", ["after-create", "mid-upload", "upload-sent", "after-upload"])
def test_client_killed_then_restarted(rig, take, when):
    entry = send(rig, take)
    files = rig.outbox.files_dir
    db = files.parent / "outbox.sqlite3"
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, rig.url, TOKEN, str(db), str(files), entry.id, when],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    # restart: a new process reads the outbox and delivers what is left
    survivor = rig.outbox.get(entry.id)
    expected = {
        "after-create": Stage.CREATED,
        "mid-upload": Stage.CREATED,
        "upload-sent": Stage.CREATED,
        "after-upload": Stage.UPLOADED,
    }[when]
    assert survivor.stage == expected
    for pending in rig.delivery().due(now=survivor.next_attempt_at + 1):
        rig.delivery().deliver(pending)
    assert_exactly_once(rig, entry.id)
    assert os.path.exists(rig.outbox.get(entry.id).audio.path)


def test_an_upload_whose_answer_was_lost_is_not_stored_twice(rig, take):
    """The first upload reached the server but its answer never came back (a crash, a cut
    connection): the next attempt must get that render back, not store a second file."""
    entry = send(rig, take)
    api = rig.api()
    api.post_message(entry.draft)
    entry = rig.outbox.advance(entry, Stage.CREATED)
    lost = api.upload_audio(take.path, bitrate=320, duration=20.0,
                            idempotency_key=entry.upload_key)  # fmt: skip
    done = rig.delivery().deliver(entry)
    assert done.render is not None and done.render.id == lost.id
    assert_exactly_once(rig, entry.id)


def test_retry_after_a_refused_attach_uploads_again(rig, take):
    """A render the server will not attach (here: one it never stored) fails the message
    for good; Retry must upload the take again rather than offer the same render."""
    from desktop_app.domain.message import Render

    entry = send(rig, take)
    rig.api().post_message(entry.draft)
    bogus = Render("never-uploaded", f"{rig.url}/media/x.mp3", size_bytes=10)
    entry = rig.outbox.advance(entry, Stage.UPLOADED, render=bogus)
    delivery = rig.delivery()
    with pytest.raises(PermanentApiError):
        delivery.deliver(entry)
    assert rig.outbox.get(entry.id).stage == Stage.FAILED
    retried = delivery.retry(entry.id)
    assert retried is not None and retried.stage == Stage.CREATED and retried.render is None
    done = delivery.deliver(retried)
    assert done.stage == Stage.ATTACHED and done.render is not None
    assert done.render.id != "never-uploaded"
    assert_exactly_once(rig, entry.id)


def test_a_thread_renamed_while_it_is_being_created_keeps_the_new_name(rig):
    """The musician renames a thread made offline just as the network comes back: the
    create request is already out with the old name. The new name must still win."""
    queued = rig.outbox.add_thread("First idea")

    class RenamedMeanwhile(ApiClient):
        def create_thread(self, name, users=(), *, thread_id=None):
            created = super().create_thread(name, users, thread_id=thread_id)
            assert rig.outbox.rename_thread(queued.id, "First ideas") is not None
            return created

    delivery = Delivery(RenamedMeanwhile(rig.url, TOKEN, timeout=5.0), rig.outbox)
    thread = delivery.deliver_thread(queued.id)
    assert thread is not None and thread.name == "First ideas"
    assert [t.name for t in rig.api().list_threads() if t.id == queued.id] == ["First ideas"]
    assert rig.outbox.pending_threads() == []
