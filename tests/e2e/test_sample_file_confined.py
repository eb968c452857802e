"""No file outside Sequencer's own folders reaches the server because a pattern or a queued
entry names it: ``sequencer pull`` of a message naming a private file writes the pattern
without that name (so a later ``sequencer send`` of it uploads nothing), and an outbox row
that names a sample file outside the outbox (an edited database) uploads nothing from
there after a restart. Real server on loopback, every request heard."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.draft import MessageDraft, SampleFile
from desktop_app.services.api import ApiClient, PermanentApiError
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import Outbox, Stage
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, Backend, make_backend
from tests.e2e.test_cli import cli
from tests.requests_heard import RequestsHeard
from tests.server.sample_files import audio_bytes


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[Backend, RequestsHeard, str]]:
    backend = make_backend("sqlite-local", tmp_path)
    heard = RequestsHeard(backend.app())
    with ThreadedServer(heard) as server:
        yield backend, heard, server.url


@pytest.fixture
def private(tmp_path) -> tuple[Path, bytes]:
    path = tmp_path / "home" / "private" / "vocal.wav"
    path.parent.mkdir(parents=True)
    data = audio_bytes(seconds=0.4, tone=610)
    path.write_bytes(data)
    return path, data


def test_pull_never_writes_a_received_sample_file_and_send_uploads_nothing(
    tmp_path, served, private
):
    backend, heard, url = served
    path, data = private
    api = ApiClient(url, TOKEN)
    thread = api.create_thread("Pulls")
    snapshot = {"format": "sequencer.pattern", "version": "0.1.0", "bpm": 100.0, "length": 4,
                "tracks": [{"name": "Vocal", "sample": "kick", "steps": [100, 0, 0, 0],
                            "sample_file": str(path)}]}  # fmt: skip
    message_id = api.create_message(thread.id, "mallory", snapshot).id
    home = tmp_path / "bob"
    out = tmp_path / "pulled" / "groove.json"
    pulled = cli(home, "pull", message_id, "-o", str(out), server=url)
    written = json.loads(out.read_text())
    assert written["tracks"][0] == {"name": "Vocal", "sample": "kick", "steps": [100, 0, 0, 0]}
    assert "track “Vocal” names the file" in pulled.stderr and "was not read" in pulled.stderr
    sent = cli(home, "send", str(out), "--thread", thread.id, server=url)
    assert sent.stdout.strip()
    assert heard.paths("POST", "/api/v1/samples") == []
    assert data[200:1200] not in heard.body
    assert list(backend.storage.list_objects("test/samples/")) == []
    assert not (home / "cache" / "samples" / f"{hashlib.sha256(data).hexdigest()}.wav").exists()


def test_a_saved_message_s_sample_file_is_not_read_by_send(tmp_path, served, private):
    """A whole message saved as JSON (what ``sequencer send`` also takes): its
    ``sample_file`` came from someone else."""
    _backend, heard, url = served
    path, data = private
    thread = ApiClient(url, TOKEN).create_thread("Saved")
    message = {"id": "m1", "snapshot": {
        "format": "sequencer.pattern", "version": "0.1.0", "bpm": 100.0, "length": 4,
        "tracks": [{"name": "Vocal", "sample": "kick", "steps": [100, 0, 0, 0],
                    "sample_file": str(path)}]}}  # fmt: skip
    saved = tmp_path / "message.json"
    saved.write_text(json.dumps(message))
    sent = cli(tmp_path / "bob", "send", str(saved), "--thread", thread.id, server=url)
    assert "was not read" in sent.stderr
    assert heard.paths("POST", "/api/v1/samples") == []
    assert data[200:1200] not in heard.body


def test_a_queued_row_naming_a_file_outside_the_outbox_uploads_nothing_after_a_restart(
    tmp_path, served, private
):
    backend, heard, url = served
    path, data = private
    sha = hashlib.sha256(data).hexdigest()
    api = ApiClient(url, TOKEN, timeout=5.0)
    thread = api.create_thread("Takes")
    db, files = tmp_path / "client" / "outbox.sqlite3", tmp_path / "client" / "outbox"
    snapshot = {"format": "sequencer.pattern", "version": "0.1.0", "bpm": 120, "length": 4,
                "tracks": [{"name": "T", "sample": "kick", "steps": [100, 0, 0, 0],
                            "sample_sha256": sha, "sample_name": "vocal.wav"}]}  # fmt: skip
    draft = MessageDraft(thread.id, "bo", snapshot, samples=(SampleFile(sha, None, "vocal.wav"),))
    entry = Outbox(db, files).add(draft)
    assert entry.samples[0].path is None  # nothing of it on this computer: as queued
    with sqlite3.connect(db) as con:  # the row is edited to name the private file
        doc = json.loads(con.execute("SELECT doc FROM outbox").fetchone()[0])
        doc["samples"][0]["path"] = str(path)
        con.execute("UPDATE outbox SET doc = ?", (json.dumps(doc),))

    restarted = Outbox(db, files)
    [row] = restarted.entries()
    assert row.samples[0].path is None
    with pytest.raises(PermanentApiError):
        Delivery(api, restarted).deliver(row)
    failed = restarted.get(entry.id)
    assert failed is not None and failed.stage == Stage.FAILED
    assert "“vocal.wav” is neither on this computer nor on the server" in str(failed.last_error)
    assert heard.paths("POST", "/api/v1/samples") == []
    assert data[200:1200] not in heard.body
    assert list(backend.storage.list_objects("test/samples/")) == []
