"""``sequencer pull``: the command line's Load — the pattern written whole, its samples in
the sample cache, and a clear line for every way it can go wrong."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
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


def pattern_with(sha: str, name: str) -> dict:
    return {
        "format": "sequencer.pattern", "version": "0.1.0", "bpm": 100.0, "length": 4,
        "tracks": [
            {"name": "Mine", "sample": "kick", "steps": [100, 0, 90, 0],
             "sample_sha256": sha, "sample_name": name, "pitch": -3.0, "decay": 0.2},
            {"name": "Snare", "sample": "snare", "steps": [0, 0, 100, 0]},
        ],
    }  # fmt: skip


def post(url: str, tmp_path: Path, data: bytes, name: str = "kick.wav") -> tuple[str, dict]:
    api = ApiClient(url, TOKEN)
    path = tmp_path / name
    path.write_bytes(data)
    sample = api.upload_sample(path)
    thread = api.create_thread("Pulls")
    snapshot = pattern_with(sample.sha256, name)
    return api.create_message(thread.id, "alice", snapshot).id, snapshot


def test_pull_writes_the_pattern_and_fetches_its_samples(tmp_path, served):
    _backend, url = served
    data = audio_bytes(tone=150, seconds=0.3)
    message_id, snapshot = post(url, tmp_path, data)
    home = tmp_path / "bob"
    out = tmp_path / "pulled" / "groove.json"
    proc = cli(home, "pull", message_id, "-o", str(out), server=url)
    assert json.loads(out.read_text()) == snapshot
    sha = hashlib.sha256(data).hexdigest()
    cached = home / "cache" / "samples" / f"{sha}.wav"
    assert cached.read_bytes() == data
    assert "1 sample(s) in the sample cache (1 fetched)" in proc.stderr
    # again: nothing to download, same file
    again = cli(home, "pull", message_id, "-o", str(out), server=url)
    assert "(0 fetched)" in again.stderr and json.loads(out.read_text()) == snapshot


def test_pull_default_name_is_the_message_id(tmp_path, served):
    _backend, url = served
    message_id, snapshot = post(url, tmp_path, audio_bytes(tone=160))
    home = tmp_path / "bob"
    cmd = [sys.executable, "-m", "desktop_app", "pull", message_id, "--server", url,
           "--token", TOKEN]  # fmt: skip
    env = {**os.environ, "SEQUENCER_HOME": str(home)}
    proc = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / f"{message_id}.json").read_text()) == snapshot, proc.stderr


def test_pull_errors_are_one_line(tmp_path, served):
    backend, url = served
    home = tmp_path / "bob"
    out = tmp_path / "p.json"
    missing = cli(home, "pull", "no-such-message", "-o", str(out), server=url, check=False)
    assert missing.returncode == 2 and "no message no-such-message" in missing.stderr
    assert not out.exists()

    api = ApiClient(url, TOKEN)
    thread = api.create_thread("Words")
    words = api.create_message(thread.id, "alice", {}, text="hello").id
    proc = cli(home, "pull", words, "-o", str(out), server=url, check=False)
    assert proc.returncode == 2 and "has no pattern: it holds words only" in proc.stderr
    assert not out.exists()

    dead = "http://127.0.0.1:9"  # the discard port: nothing listens there
    proc = cli(home, "pull", words, "-o", str(out), server=dead, check=False)
    assert proc.returncode == 2 and "Cannot reach the server" in proc.stderr
    assert "nothing written" in proc.stderr and not out.exists()

    # a sample deleted on the server: the pattern is written, the sample named, exit 1
    data = audio_bytes(tone=170)
    message_id, snapshot = post(url, tmp_path, data, "gone.wav")
    backend.store.delete_sample(hashlib.sha256(data).hexdigest())
    proc = cli(home, "pull", message_id, "-o", str(out), server=url, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "the sound “gone.wav” is not on the server any more" in proc.stderr
    assert "their tracks play silence" in proc.stderr
    assert json.loads(out.read_text()) == snapshot
