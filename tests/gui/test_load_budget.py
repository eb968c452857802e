"""One Load downloads at most its cap, against the real server (uvicorn on loopback):
samples past it are never requested, the pattern loads without them and the status bar
names their tracks; a Load superseded before its fetch ran downloads nothing; a server
that sends more than the size it announced is cut off at that size."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from PySide6.QtCore import QThreadPool

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.cache_budget import size_text
from desktop_app.services.sample_fetch import LOAD_CAP_BYTES, fetch_samples
from desktop_app.services.samples import FetchBudget, SampleCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.pattern_loader import PatternLoader
from desktop_app.state.sequencer_state import SequencerState
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.requests_heard import RequestsHeard
from tests.server.sample_files import audio_bytes


class Served(NamedTuple):
    api: ApiClient
    heard: RequestsHeard
    data_dir: Path


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    backend = make_backend("sqlite-local", tmp_path)
    heard = RequestsHeard(backend.app())
    with ThreadedServer(heard) as server:
        yield Served(ApiClient(server.url, TOKEN, timeout=10.0), heard, tmp_path)


def upload(served: Served, folder: Path, name: str, seconds: float, tone: float) -> str:
    path = folder / name
    path.write_bytes(audio_bytes(seconds=seconds, tone=tone))
    return served.api.upload_sample(path).sha256


def pattern(*tracks: tuple[str, str], bpm: float = 120.0) -> dict:
    return {"format": "sequencer.pattern", "version": "0.1.0", "bpm": bpm, "length": 4,
            "tracks": [{"name": name, "sample": "kick", "steps": [100, 0, 0, 0],
                        "sample_sha256": sha, "sample_name": f"{name}.wav"}
                       for name, sha in tracks]}  # fmt: skip


def downloads(served: Served, sha: str) -> int:
    return sum(sha in p for p in served.heard.paths("GET", "/media/"))


def test_the_cap_fits_a_real_kit_and_refuses_a_hostile_pattern():
    # 64 tracks of 2 MiB one-shots fit; 64 of the server's 50 MB samples are 25 times it.
    assert 64 * 2 * 1024 * 1024 <= LOAD_CAP_BYTES < 64 * 50 * 1024 * 1024 // 20


def test_samples_past_the_cap_are_never_requested_and_later_small_ones_still_come(served, tmp_path):
    small = upload(served, tmp_path, "small.wav", 0.2, 200)  # ~8.9 KB each
    big = upload(served, tmp_path, "big.wav", 2.0, 300)  # ~88 KB
    last = upload(served, tmp_path, "last.wav", 0.2, 400)
    cache = SampleCache(tmp_path / "cache", served.api)
    sizes = {sha: served.api.get_sample(sha).size_bytes for sha in (small, big, last)}
    budget = FetchBudget(sizes[small] + sizes[last] + 1000)
    refs = {small: "small.wav", big: "big.wav", last: "last.wav"}
    report = fetch_samples(cache, refs, budget=budget)
    assert report.fetched == [small, last] and report.over_budget == [big]
    assert "the sound “big.wav” was not fetched: " in report.missing[big]
    assert budget.taken == sizes[small] + sizes[last]
    assert (downloads(served, small), downloads(served, big), downloads(served, last)) == (1, 0, 1)
    assert cache.lookup(big) is None


@pytest.fixture
def parts(qtbot, served, tmp_path):
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    cache = SampleCache(tmp_path / "cache", served.api)
    seq = SequencerState(None, pattern=demo_pattern(), samples=cache)
    yield seq, cache, pool
    pool.waitForDone(10_000)


def test_the_window_s_load_names_the_tracks_left_silent_by_the_cap(qtbot, served, parts):
    seq, cache, pool = parts
    folder = served.data_dir
    kick = upload(served, folder, "kick.wav", 0.2, 100)
    pad = upload(served, folder, "pad.wav", 2.0, 150)
    vox = upload(served, folder, "vox.wav", 2.5, 250)
    cap = served.api.get_sample(kick).size_bytes + 2000
    loader = PatternLoader(seq, cache, TaskRunner(pool), cap_bytes=cap)
    said: list[str] = []
    loader.status.connect(said.append)
    assert loader.load(pattern(("Kick", kick), ("Pad", pad), ("Vox", vox))) is False
    qtbot.waitUntil(lambda: bool(said) and said[-1].startswith("Pattern loaded"), timeout=10_000)
    assert said[-1] == (
        "Pattern loaded — Pad, Vox are silent: their sounds would take this Load past the "
        f"{size_text(cap)} of sounds one Load fetches"
    )
    assert [t.sample_sha256 for t in seq.pattern.tracks] == [kick, pad, vox]
    assert [seq.sound_missing(i) for i in range(3)] == [False, True, True]
    assert (downloads(served, kick), downloads(served, pad), downloads(served, vox)) == (1, 0, 0)


def test_a_load_superseded_before_its_fetch_ran_downloads_nothing(qtbot, served, parts):
    """Loads clicked one after another do not add up: the earlier one's worker, when it
    gets to run, starts no download (the pool is held busy until both were clicked)."""
    seq, cache, pool = parts
    folder = served.data_dir
    first = [upload(served, folder, f"a{i}.wav", 0.3, 100 + 40 * i) for i in range(3)]
    second = upload(served, folder, "b.wav", 0.3, 900)
    loader = PatternLoader(seq, cache, TaskRunner(pool))
    hold = threading.Event()
    pool.start(lambda: hold.wait(10))  # the one worker is busy elsewhere
    said: list[str] = []
    loader.status.connect(said.append)
    assert loader.load(pattern(*((f"A{i}", s) for i, s in enumerate(first)), bpm=90)) is False
    assert loader.load(pattern(("B", second), bpm=140)) is False
    hold.set()
    qtbot.waitUntil(lambda: bool(said) and said[-1].startswith("Pattern loaded"), timeout=10_000)
    pool.waitForDone(10_000)
    assert seq.pattern.bpm == 140 and seq.undo_stack.count() == 1
    assert [downloads(served, s) for s in first] == [0, 0, 0]
    assert downloads(served, second) == 1
    assert not any(served.heard.paths("GET", f"/api/v1/samples/{s}") for s in first)


def test_a_download_longer_than_announced_is_cut_off_and_not_kept(served, tmp_path):
    sha = upload(served, tmp_path, "kick.wav", 0.2, 100)
    record = served.api.get_sample(sha)
    [stored] = list(served.data_dir.rglob(f"{sha}.wav"))
    stored.write_bytes(stored.read_bytes() * 300)  # the storage now serves ~2.6 MB
    cache = SampleCache(tmp_path / "cache", served.api)
    report = fetch_samples(cache, {sha: "kick.wav"})
    assert report.found == {} and cache.entries() == []
    assert f"sent more than the {record.size_bytes} bytes announced" in report.missing[sha]
