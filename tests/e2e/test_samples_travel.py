"""Issue 15's promise, end to end with two clients (two ``SEQUENCER_HOME``s) and one real
server: a pattern whose tracks play the sender's own samples (pitched, decayed), sent from
a pattern file that names them by ``sample_file``, renders on the receiving machine to
the very same WAV samples as on the sender's."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from desktop_app.services.api import ApiClient
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.e2e.test_cli import cli
from tests.server.sample_files import audio_bytes


@pytest.fixture
def served(tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    with ThreadedServer(backend.app()) as server:
        yield backend, server.url


def write_pattern(folder: Path) -> tuple[Path, dict[str, bytes]]:
    """A pattern file beside its sounds: one named relative to it, one absolute."""
    sounds = folder / "sounds"
    sounds.mkdir(parents=True)
    kick = audio_bytes("WAV", seconds=0.5, rate=48000, tone=55)  # not the engine's rate
    snare = audio_bytes("FLAC", seconds=0.3, rate=22050, tone=210, channels=2)
    (sounds / "my kick.wav").write_bytes(kick)
    (sounds / "snare.flac").write_bytes(snare)
    pattern = {
        "format": "sequencer.pattern", "version": "0.1.0", "bpm": 126.0, "swing": 0.2,
        "length": 8,
        "tracks": [
            {"name": "Kick", "sample": "kick", "steps": [110, 0, 0, 0, 100, 0, 0, 0],
             "sample_file": "sounds/my kick.wav", "pitch": -5.0},
            {"name": "Snare", "sample": "snare", "steps": [0, 0, 100, 0, 0, 0, 90, 30],
             "sample_file": str(sounds / "snare.flac"), "decay": 0.12, "pan": 0.3},
            {"name": "Hat", "sample": "closed_hat", "steps": [60] * 8},
        ],
    }  # fmt: skip
    path = folder / "groove.json"
    path.write_text(json.dumps(pattern))
    return path, {"my kick.wav": kick, "snare.flac": snare}


def test_a_pattern_with_own_samples_renders_bit_identical_on_a_second_client(tmp_path, served):
    _backend, url = served
    alice, bob, carol = tmp_path / "alice", tmp_path / "bob", tmp_path / "carol"
    pattern_file, sounds = write_pattern(tmp_path / "work")
    thread = ApiClient(url, TOKEN).create_thread("Sounds").id

    cli(alice, "render", str(pattern_file), "-o", str(tmp_path / "alice.wav"), "--loops", "2")
    sent = cli(alice, "send", str(pattern_file), "--thread", thread, "--loops", "1", server=url)
    message_id = sent.stdout.strip()

    message = ApiClient(url, TOKEN).get_message(message_id)
    tracks = message.snapshot["tracks"]
    assert message.snapshot["version"] == "0.1.0"
    assert all("sample_file" not in t for t in tracks)
    for track, (name, data) in zip(tracks, sounds.items(), strict=False):
        assert track["sample_name"] == name
        assert track["sample_sha256"] == hashlib.sha256(data).hexdigest()
    assert (tracks[0]["pitch"], tracks[1]["decay"]) == (-5.0, 0.12)
    assert len(message.renders) == 1

    # Bob loads it the command line's way: pull, then render from his own cache.
    cli(bob, "pull", message_id, "-o", str(tmp_path / "bob.json"), server=url)
    cli(bob, "render", str(tmp_path / "bob.json"), "-o", str(tmp_path / "bob.wav"),
        "--loops", "2")  # fmt: skip
    assert (tmp_path / "bob.wav").read_bytes() == (tmp_path / "alice.wav").read_bytes()

    # Carol renders the same file with an empty cache: render fetches from the server.
    cli(carol, "render", str(tmp_path / "bob.json"), "-o", str(tmp_path / "carol.wav"),
        "--loops", "2", server=url)  # fmt: skip
    assert (tmp_path / "carol.wav").read_bytes() == (tmp_path / "alice.wav").read_bytes()
    assert len(list((carol / "cache" / "samples").iterdir())) == 2

    # and the own sounds are what is heard: the kit's kick and snare sound otherwise
    kit_only = json.loads(pattern_file.read_text())
    for track in kit_only["tracks"]:
        track.pop("sample_file", None)
        track.pop("pitch", None)
        track.pop("decay", None)
    (tmp_path / "kit.json").write_text(json.dumps(kit_only))
    cli(alice, "render", str(tmp_path / "kit.json"), "-o", str(tmp_path / "kit.wav"),
        "--loops", "2")  # fmt: skip
    assert (tmp_path / "kit.wav").read_bytes() != (tmp_path / "alice.wav").read_bytes()


def test_render_says_which_sound_it_cannot_get(tmp_path, served):
    _backend, url = served
    pattern_file, _sounds = write_pattern(tmp_path / "work")
    alice = tmp_path / "alice"
    thread = ApiClient(url, TOKEN).create_thread("Sounds").id
    sent = cli(alice, "send", str(pattern_file), "--thread", thread, "--no-audio", server=url)
    snapshot = ApiClient(url, TOKEN).get_message(sent.stdout.strip()).snapshot
    pulled = tmp_path / "pulled.json"
    pulled.write_text(json.dumps(snapshot))

    dead = "http://127.0.0.1:9"
    proc = cli(tmp_path / "dave", "render", str(pulled), "-o", str(tmp_path / "d.wav"),
               server=dead, check=False)  # fmt: skip
    assert proc.returncode == 2
    assert "sequencer render: error: the sound “my kick.wav” could not be fetched" in proc.stderr
    assert "Cannot reach the server" in proc.stderr and not (tmp_path / "d.wav").exists()

    bad = tmp_path / "bad.json"
    broken = json.loads(pattern_file.read_text())
    broken["tracks"][0]["sample_file"] = "sounds/nope.wav"
    bad.write_text(json.dumps(broken))
    proc = cli(alice, "render", str(bad), "-o", str(tmp_path / "x.wav"), check=False)
    assert proc.returncode == 2
    assert "tracks[0].sample_file:" in proc.stderr and "nope.wav: no such file" in proc.stderr
