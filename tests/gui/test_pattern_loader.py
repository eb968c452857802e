"""PatternLoader against the real server: only the last Load counts, a pattern that cannot
be loaded is refused before anything is fetched, and cached sounds load at once."""

from __future__ import annotations

import hashlib

import pytest
from PySide6.QtCore import QThreadPool

from desktop_app.domain.pattern import SnapshotError, demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.samples import SampleCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.pattern_loader import PatternLoader
from desktop_app.state.sequencer_state import SequencerState
from tests.conftest import TOKEN
from tests.server.sample_files import audio_bytes


def own(sha: str, name: str, bpm: float) -> dict:
    return {"format": "sequencer.pattern", "version": "0.1.0", "bpm": bpm, "length": 4,
            "tracks": [{"name": "Own", "sample": "kick", "steps": [100, 0, 0, 0],
                        "sample_sha256": sha, "sample_name": name}]}  # fmt: skip


@pytest.fixture
def loader(qtbot, live_server, tmp_path):
    api = ApiClient(live_server, TOKEN, timeout=10.0)
    pool = QThreadPool()
    seq = SequencerState(None, pattern=demo_pattern())
    cache = SampleCache(tmp_path / "samples", api)
    loader = PatternLoader(seq, cache, TaskRunner(pool))
    yield loader, seq, cache, api
    pool.waitForDone(5000)


def test_only_the_last_load_counts(qtbot, loader, tmp_path):
    load, seq, cache, api = loader
    path = tmp_path / "kick.wav"
    path.write_bytes(audio_bytes(tone=123))
    sha = api.upload_sample(path).sha256
    slow = own(sha, "kick.wav", 101.0)
    quick = demo_pattern().to_snapshot()
    assert load.load(slow) is False and load.busy
    assert load.load(quick) is True and not load.busy  # nothing to fetch: at once
    qtbot.waitUntil(lambda: load._tasks.in_flight == 0, timeout=10_000)
    assert seq.snapshot()["bpm"] == quick["bpm"]  # the first fetch's answer was dropped
    assert seq.undo_stack.count() == 1

    statuses: list[str] = []
    load.status.connect(statuses.append)
    load.load(slow)
    qtbot.waitUntil(lambda: bool(statuses) and statuses[-1].startswith("Pattern loaded"))
    assert seq.snapshot()["bpm"] == 101.0 and cache.lookup(sha) is not None
    assert statuses[-1] == "Pattern loaded — Undo brings yours back"

    # its sound is cached now: loading it again needs no worker
    statuses.clear()
    assert load.load(slow) is True
    assert statuses == ["Pattern loaded — Undo brings yours back"]


def test_a_pattern_that_cannot_load_is_refused_before_any_fetch(loader):
    load, seq, cache, _api = loader
    bad = own(hashlib.sha256(b"x").hexdigest(), "x.wav", 900.0)  # bpm out of range
    before = seq.snapshot()
    with pytest.raises(SnapshotError):
        load.load(bad)
    assert not load.busy and cache.entries() == [] and seq.snapshot() == before
