"""Issue 15 in the window: a musician keeps kick.wav next to groove.json and opens
groove.json (from the command line, as the desktop hands it over). The window asks first,
listing the files the pattern names; with "Use these sounds" they are read on a worker into
the sample store and the tracks play them by hash, exactly as dropped files — one Open, one
undo step — files that cannot be used are named in the status bar, and a Send uploads the
sounds with the pattern. With "Open without them" nothing named is read."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from desktop_app.services.api import ApiClient
from desktop_app.ui.open_files import FileOpener
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.journeys import TIMEOUT, running
from tests.gui.journeys import status_bar_text as status
from tests.gui.modal_driver import ModalDriver
from tests.gui.test_journey_hostile_sample_file import opens_of
from tests.requests_heard import RequestsHeard
from tests.server.sample_files import audio_bytes


def track(name: str, sample: str, named: str | None = None, **more: str) -> dict:
    with_file = {"sample_file": named} if named is not None else {}
    return {"name": name, "sample": sample, "steps": [100, 0, 0, 0] * 2, **with_file, **more}


def groove(elsewhere: Path) -> dict:
    return {
        "format": "sequencer.pattern",
        "version": "0.1.0",
        "bpm": 101.0,
        "length": 8,
        "tracks": [
            track("Kick", "kick", "kit/kick.wav"),
            track("Snare", "snare", str(elsewhere), sample_name="my snare"),
            track("Gone", "rim", "kit/gone.wav"),
            track("Notes", "clap", "kit/notes.wav"),
            track("Long", "low_tom", "kit/long.wav"),
            track("Hat", "closed_hat"),
        ],
    }


def test_opening_a_pattern_file_with_consent_reads_its_sounds_and_sends_them(qtbot, tmp_path):
    folder = tmp_path / "songs"
    (folder / "kit").mkdir(parents=True)
    kick = audio_bytes(tone=60, seconds=0.3)
    (folder / "kit" / "kick.wav").write_bytes(kick)
    (folder / "kit" / "notes.wav").write_text("not audio at all")
    (folder / "kit" / "long.wav").write_bytes(audio_bytes(seconds=31, rate=8000))
    elsewhere = tmp_path / "samples" / "snare.flac"
    elsewhere.parent.mkdir()
    snare = audio_bytes("FLAC", tone=200, seconds=0.2)
    elsewhere.write_bytes(snare)
    pattern = folder / "groove.json"
    pattern.write_text(json.dumps(groove(elsewhere)))
    kick_sha, snare_sha = hashlib.sha256(kick).hexdigest(), hashlib.sha256(snare).hexdigest()

    backend = make_backend("sqlite-local", tmp_path)
    heard = RequestsHeard(backend.app())
    server = ThreadedServer(heard).start()
    try:
        thread = ApiClient(server.url, TOKEN).create_thread("Grooves", users=("bo",))
        with running(qtbot, tmp_path / "bo", server.url, "bo") as bo:
            qtbot.waitUntil(
                lambda: bo.threads_state.current_thread_id == thread.id, timeout=TIMEOUT
            )
            seq = bo.sequencer_state
            before = seq.snapshot()
            modal = ModalDriver()
            modal.answer("Use these sounds")
            opener = FileOpener(bo.window, bo.playback.player)
            assert opener.open_file(pattern)
            modal.stop()
            (asked,) = modal.shown
            assert asked.title == "Use the sounds this pattern names?"
            assert asked.text == (
                "groove.json names 5 sound files on this computer:<ul><li>kit/kick.wav</li>"
                f"<li>{elsewhere}</li><li>kit/gone.wav</li><li>kit/notes.wav</li>"
                "<li>kit/long.wav</li></ul>"
            )
            assert "uploaded with the pattern whenever you send it" in asked.informative
            assert asked.buttons[:2] == ("Use these sounds", "Open without them")
            # Read on a worker: the window goes on, the pattern changes once they are stored.
            assert status(bo) == "Reading 5 sounds for groove.json…"
            assert seq.snapshot() == before
            qtbot.waitUntil(lambda: status(bo).startswith("Opened groove.json"), timeout=TIMEOUT)
            assert status(bo) == (
                "Opened groove.json — "
                "track “Gone” plays its built-in sound: gone.wav: there is no such file; "
                "track “Notes” plays its built-in sound: notes.wav cannot be used as a track's "
                "sound: not a WAV, AIFF, FLAC, OGG or MP3 file; "
                "track “Long” plays its built-in sound: long.wav cannot be used as a track's "
                "sound: it is 31.0 s long; the limit is 30 s"
            )
            tracks = seq.snapshot()["tracks"]
            assert (tracks[0]["sample_sha256"], tracks[0]["sample_name"]) == (kick_sha, "kick.wav")
            assert (tracks[1]["sample_sha256"], tracks[1]["sample_name"]) == (snare_sha, "my snare")
            assert not any("sample_file" in t for t in tracks)
            assert not any("sample_sha256" in t for t in tracks[2:])
            assert bo.samples.lookup(kick_sha) is not None
            assert bo.samples.lookup(snare_sha) is not None
            assert not seq.sound_missing(0) and not seq.sound_missing(1)
            opened = seq.snapshot()
            seq.undo_stack.undo()  # the Open is one step
            assert seq.snapshot() == before
            seq.undo_stack.redo()
            assert seq.snapshot() == opened

            sent = bo.threads_state.send_message_from_sequencer(opened)
            qtbot.waitUntil(lambda: backend.store.get_message(sent) is not None, timeout=TIMEOUT)
    finally:
        server.stop()
    assert len(heard.paths("POST", "/api/v1/samples")) == 2
    stored = backend.store.get_message(sent)
    assert stored is not None
    refs = [t.get("sample_sha256") for t in stored["snapshot"]["tracks"]]
    assert refs[:2] == [kick_sha, snare_sha]
    assert {o.key.rsplit("/", 1)[-1] for o in backend.storage.list_objects("test/samples/")} == {
        f"{kick_sha}.wav",
        f"{snare_sha}.flac",
    }


def test_opening_a_pattern_file_without_its_sounds_reads_none_of_them(qtbot, tmp_path):
    folder = tmp_path / "songs"
    (folder / "kit").mkdir(parents=True)
    kick = folder / "kit" / "kick.wav"
    kick.write_bytes(audio_bytes(tone=60, seconds=0.3))
    pattern = folder / "groove.json"
    data = groove(tmp_path / "elsewhere.wav")
    pattern.write_text(json.dumps(data))
    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    try:
        with opens_of(kick) as opened, running(qtbot, tmp_path / "bo", server.url, "bo") as bo:
            modal = ModalDriver()
            modal.answer("Open without them")
            assert bo.window.pattern_files.open_file(pattern)
            modal.stop()
            assert [box.clicked for box in modal.shown] == ["Open without them"]
            assert status(bo).startswith(
                "Opened groove.json — track “Kick” names the file “kit/kick.wav”, which was "
                "not read"
            )
            tracks = bo.sequencer_state.snapshot()["tracks"]
            assert [t["name"] for t in tracks] == [t["name"] for t in data["tracks"]]
            assert not any("sample_sha256" in t or "sample_file" in t for t in tracks)
            assert list(bo.samples.folder.iterdir()) == []
        assert opened == []
    finally:
        server.stop()
