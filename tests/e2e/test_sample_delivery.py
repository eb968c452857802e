"""Samples travel with the message: the outbox puts every own sample of the
pattern on the server before it creates the message — from its own copy, once, whatever
breaks — and a sample the server refuses fails the message with words that name it."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain.draft import MessageDraft, SampleFile
from desktop_app.services.api import ApiClient, PermanentApiError, TransientApiError
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import Outbox, SampleFileError, Stage
from desktop_app.services.samples import SampleCache
from desktop_app.state.outbox_rows import failure_text
from tests.conftest import TOKEN, make_backend
from tests.e2e.conftest import Rig
from tests.server.sample_files import audio_bytes


def snapshot_with(*samples: tuple[str, str]) -> dict[str, Any]:
    tracks = [
        {"name": f"T{i}", "sample": "kick", "steps": [100, 0, 0, 0], "sample_sha256": sha,
         "sample_name": name, "pitch": 2.0}
        for i, (sha, name) in enumerate(samples)
    ]  # fmt: skip
    return {"format": "sequencer.pattern", "version": "0.1.0", "bpm": 120, "length": 4,
            "tracks": tracks}  # fmt: skip


def sample_file(folder: Path, name: str, data: bytes) -> SampleFile:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return SampleFile(hashlib.sha256(data).hexdigest(), path, name)


def stored_samples(rig: Rig) -> list[str]:
    """Sample files in the server's storage (local folder or S3 bucket)."""
    storage = rig.backend.storage
    return sorted(o.key for o in storage.list_objects("test/samples/"))


def queue(rig: Rig, *samples: SampleFile, outbox: Outbox | None = None, **kw: Any):
    snapshot = snapshot_with(*((s.sha256, s.name) for s in samples))
    draft = MessageDraft(rig.thread_id, "alice", snapshot, samples=samples, **kw)
    return (outbox or rig.outbox).add(draft)


def assert_delivered_once(rig: Rig, entry_id: str, samples: list[SampleFile]) -> None:
    messages = rig.server_messages()
    assert [m.id for m in messages] == [entry_id]
    refs = [t["sample_sha256"] for t in messages[0].snapshot["tracks"]]
    assert refs == [s.sha256 for s in samples]
    assert stored_samples(rig) == sorted(
        f"test/samples/{s.sha256}.{s.name.rsplit('.', 1)[1]}" for s in samples
    )
    for s in samples:
        sample = rig.api().get_sample(s.sha256)
        assert s.path is not None and sample.size_bytes == len(s.path.read_bytes())


def test_samples_go_up_before_the_message_from_the_outboxs_own_copy(rig, tmp_path):
    kick = sample_file(tmp_path / "mine", "kick.wav", audio_bytes(tone=100, seconds=0.4))
    snare = sample_file(tmp_path / "mine", "snare.flac", audio_bytes("FLAC", tone=300))
    originals = {s.sha256: s.path.read_bytes() for s in (kick, snare) if s.path}
    rig.api().upload_sample(snare.path)  # the server has this one already
    entry = queue(rig, kick, snare)
    kept = [s.path for s in entry.samples]
    assert all(p is not None and p.parent == rig.outbox.files_dir for p in kept)
    for s in (kick, snare):  # the user deletes the files after Send
        assert s.path is not None
        s.path.unlink()

    done = rig.delivery().deliver(entry)
    assert done.stage == Stage.ATTACHED and all(s.uploaded for s in done.samples)
    messages = rig.server_messages()
    assert [m.id for m in messages] == [entry.id]
    assert stored_samples(rig) == sorted(
        [f"test/samples/{kick.sha256}.wav", f"test/samples/{snare.sha256}.flac"]
    )
    for sha, data in originals.items():
        url = rig.api().get_sample(sha).url
        if rig.backend.storage.name == "local":
            got = rig.api().download(url, tmp_path / "got")
            assert got.read_bytes() == data
    rig.outbox.remove(entry.id)
    assert not any(p is not None and p.exists() for p in kept)


def test_a_sample_evicted_from_the_cache_after_send_still_arrives(rig, tmp_path):
    """The outbox finds the sample in the cache itself (the window's drafts name none) and
    keeps its own link: the cache evicting the file changes nothing."""
    cache = SampleCache(tmp_path / "samples", rig.api(), cap_bytes=10**9)
    source = tmp_path / "hat.aiff"
    source.write_bytes(audio_bytes("AIFF", tone=900))
    cached = cache.add_local(source)
    sha = cached.name.split(".")[0]
    outbox = Outbox(rig.tmp / "client" / "o2.sqlite3", rig.tmp / "client" / "o2",
                    samples=cache)  # fmt: skip
    entry = outbox.add(
        MessageDraft(rig.thread_id, "alice", snapshot_with((sha, "hat.aiff"), (sha, "again")))
    )
    assert [(s.sha256, s.name) for s in entry.samples] == [(sha, "hat.aiff")]
    cache.set_cap(0)
    assert cache.lookup(sha) is None
    Delivery(rig.api(), outbox).deliver(entry)
    assert stored_samples(rig) == [f"test/samples/{sha}.aiff"]
    assert [m.id for m in rig.server_messages()] == [entry.id]
    outbox.close()


def test_server_down_then_back_delivers_once(rig, tmp_path):
    kick = sample_file(tmp_path, "kick.wav", audio_bytes(tone=120))
    entry = queue(rig, kick)
    rig.stop_server()
    with pytest.raises(TransientApiError):
        rig.delivery().deliver(entry)
    waiting = rig.outbox.get(entry.id)
    assert waiting is not None and waiting.stage == Stage.QUEUED and waiting.attempts == 1
    assert "Cannot reach the server" in (waiting.last_error or "")
    rig.start_server()
    rig.delivery().deliver(waiting)
    assert_delivered_once(rig, entry.id, [kick])


class DiesAfterFirstSample(ApiClient):
    """The real client; the server stops for good right after it stored one sample."""

    def __init__(self, rig: Rig) -> None:
        super().__init__(rig.url, TOKEN, timeout=5.0)
        self.rig = rig
        self.uploads = 0

    def upload_sample(self, path, *, progress=None):  # type: ignore[no-untyped-def]
        sample = super().upload_sample(path, progress=progress)
        self.uploads += 1
        if self.uploads == 1:
            self.close()
            self.rig.stop_server()
        return sample


def test_server_dies_between_two_samples(rig, tmp_path):
    a = sample_file(tmp_path, "a.wav", audio_bytes(tone=200))
    b = sample_file(tmp_path, "b.wav", audio_bytes(tone=250))
    entry = queue(rig, a, b)
    with pytest.raises(TransientApiError):
        Delivery(DiesAfterFirstSample(rig), rig.outbox).deliver(entry)
    half = rig.outbox.get(entry.id)
    assert half is not None and half.stage == Stage.QUEUED
    assert [s.uploaded for s in half.samples] == [True, False]
    assert stored_samples(rig) == [f"test/samples/{a.sha256}.wav"]
    rig.start_server()
    rig.delivery().deliver(half)
    assert_delivered_once(rig, entry.id, [a, b])


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from desktop_app.services.api import ApiClient
    from desktop_app.services.delivery import Delivery
    from desktop_app.services.outbox import Outbox

    url, token, db, files, entry_id = sys.argv[1:6]
    outbox = Outbox(Path(db), Path(files))
    def progress(done, total):
        if done > total // 2:
            os.kill(os.getpid(), signal.SIGKILL)
    Delivery(ApiClient(url, token), outbox).deliver(outbox.get(entry_id), progress=progress)
    print("not killed")
    """
)


def test_client_killed_in_the_middle_of_a_sample_upload(rig, tmp_path):
    big = sample_file(tmp_path, "pad.wav", audio_bytes(tone=60, seconds=6.0, rate=44100))
    entry = queue(rig, big)
    files = rig.outbox.files_dir
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, rig.url, TOKEN, str(files.parent / "outbox.sqlite3"),
         str(files), entry.id],
        capture_output=True, text=True, timeout=60, env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    survivor = rig.outbox.get(entry.id)
    assert survivor is not None and survivor.stage == Stage.QUEUED
    assert stored_samples(rig) == []  # half a sample is never kept
    rig.delivery().deliver(survivor)
    assert_delivered_once(rig, entry.id, [big])


def test_a_sample_whose_upload_answer_was_lost_is_stored_once(rig, tmp_path):
    kick = sample_file(tmp_path, "kick.wav", audio_bytes(tone=140))
    entry = queue(rig, kick)
    assert kick.path is not None
    rig.api().upload_sample(kick.path)  # reached the server, the answer never came back
    rig.delivery().deliver(entry)
    assert_delivered_once(rig, entry.id, [kick])


@pytest.fixture
def small_rig(tmp_path):
    """The embedded default with samples capped at 1 MB."""
    r = Rig(tmp_path, make_backend("sqlite-local", tmp_path, MAX_SAMPLE_MB="1"))
    yield r
    if r.server is not None:
        r.server.stop()


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("notes.wav", b"just words, not audio " * 100, "not an audio file"),
        ("huge.wav", audio_bytes(seconds=6, rate=48000, channels=2), "Sample too large"),
    ],
)
def test_a_refused_sample_fails_the_message_naming_it(small_rig, tmp_path, name, data, words):
    rig = small_rig
    bad = sample_file(tmp_path, name, data)
    entry = queue(rig, bad)
    with pytest.raises(PermanentApiError):
        rig.delivery().deliver(entry)
    failed = rig.outbox.get(entry.id)
    assert failed is not None and failed.stage == Stage.FAILED
    assert failed.failed_stage == Stage.QUEUED
    assert f"The server refused the sample “{name}”" in (failed.last_error or "")
    assert words in (failed.last_error or "")
    assert failure_text(failed).startswith(
        f"Could not post the message — The server refused the sample “{name}”: "
    )  # what the message's row says
    assert rig.outbox.pending() == []  # no endless retry
    assert rig.server_messages() == [] and stored_samples(rig) == []


def test_a_sample_on_neither_side_fails_clearly_and_retry_finds_it(rig, tmp_path):
    data = audio_bytes(tone=330)
    sha = hashlib.sha256(data).hexdigest()
    entry = queue(rig, SampleFile(sha, None, "lost.wav"))
    assert entry.samples[0].path is None
    with pytest.raises(PermanentApiError):
        rig.delivery().deliver(entry)
    failed = rig.outbox.get(entry.id)
    assert failed is not None and failed.stage == Stage.FAILED
    assert "“lost.wav” is neither on this computer nor on the server" in (failed.last_error or "")
    # a bandmate uploads it meanwhile: Retry finds it on the server and sends
    rig.api().upload_sample(sample_file(tmp_path, "lost.wav", data).path)
    again = rig.delivery().retry(entry.id)
    assert again is not None
    rig.delivery().deliver(again)
    assert [m.id for m in rig.server_messages()] == [entry.id]


def test_a_sample_file_that_does_not_hold_its_hash_is_not_queued(rig, tmp_path):
    kick = sample_file(tmp_path, "kick.wav", audio_bytes(tone=170))
    assert kick.path is not None
    kick.path.write_bytes(audio_bytes(tone=180))  # changed after it was chosen
    with pytest.raises(SampleFileError, match=r"kick\.wav"):
        queue(rig, kick)
    assert rig.outbox.entries() == []
    assert list(rig.outbox.files_dir.glob("*.sample-*")) == []
