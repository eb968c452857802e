"""The audio cache against the real server on loopback: hit, miss with download, size
check, eviction by least recently played, corrupt files."""

from __future__ import annotations

import pytest

from desktop_app.domain.message import Render
from desktop_app.services.api import TransientApiError
from desktop_app.services.audio_cache import AudioCache, CacheError
from tests.server.helpers import pattern
from tests.tones import make_mp3


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        self.now += 1.0
        return self.now


@pytest.fixture
def uploaded(api, tmp_path):
    """Three real renders on the server, each ~0.5 s of MP3."""
    renders = []
    for i in range(3):
        path = make_mp3(tmp_path / f"take{i}.mp3", freq=220.0 * (i + 1))
        renders.append(api.upload_audio(path, bitrate=128, duration=0.5))
    return renders


def test_miss_downloads_then_hits(api, uploaded, tmp_path):
    cache = AudioCache(tmp_path / "cache")
    render = uploaded[0]
    assert not cache.contains(render.id)
    seen = []
    path = cache.fetch(render, api.download, progress=lambda d, t: seen.append((d, t)))
    assert path == tmp_path / "cache" / f"{render.id}.mp3"
    assert path.stat().st_size == render.size_bytes
    assert seen and seen[-1][0] == render.size_bytes
    assert cache.contains(render.id)
    assert list((tmp_path / "cache").glob(".*.part")) == []

    # a hit never downloads: a downloader that fails proves it
    def no_download(*_a, **_k):
        raise AssertionError("downloaded a cached render")

    assert cache.fetch(render, no_download) == path
    info = cache.info()
    assert (info.count, info.total_bytes) == (1, render.size_bytes)
    cache.close()
    # the index survives a restart; a file deleted behind its back is forgotten
    again = AudioCache(tmp_path / "cache")
    assert again.contains(render.id)
    path.unlink()
    assert again.lookup(render.id) is None
    assert not again.contains(render.id)


def test_size_mismatch_leaves_nothing(api, uploaded, tmp_path):
    cache = AudioCache(tmp_path / "cache")
    render = uploaded[0]
    wrong = Render(render.id, render.url, size_bytes=render.size_bytes + 10)
    with pytest.raises(TransientApiError):
        cache.fetch(wrong, api.download)
    assert not cache.contains(render.id)
    assert list((tmp_path / "cache").glob("*.mp3")) == []


def test_not_an_mp3_is_refused(api, tmp_path, live_server):
    cache = AudioCache(tmp_path / "cache")
    # the health endpoint is JSON, not audio: a server error page saved as a render
    bogus = Render("bogus-render", f"{live_server}/healthz")
    with pytest.raises(CacheError):
        cache.fetch(bogus, api.download)
    assert not cache.path_for("bogus-render").exists()


def test_eviction_is_least_recently_played(tmp_path):
    clock = Clock()
    src = make_mp3(tmp_path / "a.mp3")
    size = src.stat().st_size
    cache = AudioCache(tmp_path / "cache", cap_bytes=size * 2 + 10, clock=clock)
    cache.adopt("r1", src)
    cache.adopt("r2", src)
    cache.touch("r1")  # r1 played after r2: r2 is now the oldest
    cache.adopt("r3", src)
    assert cache.contains("r1") and cache.contains("r3")
    assert not cache.contains("r2")
    assert not cache.path_for("r2").exists()
    assert cache.info().total_bytes <= cache.cap_bytes


def test_corrupt_entry_dropped_and_bad_keys_refused(tmp_path):
    cache = AudioCache(tmp_path / "cache")
    bad = cache.path_for("r-bad")
    bad.write_bytes(b"not audio at all")
    cache.close()
    cache = AudioCache(tmp_path / "cache")  # found on disk at open
    assert cache.contains("r-bad")
    cache.drop("r-bad")
    assert not bad.exists() and not cache.contains("r-bad")
    with pytest.raises(ValueError):
        cache.path_for("../escape")
    assert cache.lookup("../escape") is None


def test_peaks_stored_with_entry(tmp_path):
    cache = AudioCache(tmp_path / "cache")
    cache.adopt("r1", make_mp3(tmp_path / "a.mp3"))
    cache.set_peaks("r1", [0.1, 0.5, 1.0])
    assert cache.peaks("r1") == (0.1, 0.5, 1.0)
    assert cache.peaks("missing") is None


def test_cache_command_prefetch_info_clear(api, live_server, tmp_path, monkeypatch, capsys):
    from desktop_app.__main__ import main
    from tests.conftest import TOKEN

    monkeypatch.setenv("SEQUENCER_HOME", str(tmp_path / "home"))
    for var in ("SEQUENCER_SERVER_URL", "SEQUENCER_TOKEN", "SEQUENCER_USER"):
        monkeypatch.delenv(var, raising=False)
    thread = api.create_thread("gig")
    for i in range(2):
        render = api.upload_audio(make_mp3(tmp_path / f"t{i}.mp3"), duration=0.5)
        msg = api.create_message(thread.id, "alice", pattern(bpm=120))
        api.attach_render(msg.id, render)
    api.create_message(thread.id, "alice", pattern(bpm=90))  # pattern only: nothing to fetch
    flags = ["--server", live_server, "--token", TOKEN]
    assert main(["cache", "prefetch", "--thread", thread.id, "-q", *flags]) == 0
    out = capsys.readouterr().out
    assert "2 render(s), 2 downloaded" in out
    assert main(["cache", "prefetch", "--thread", thread.id, "-q", *flags]) == 0
    assert "2 already cached" in capsys.readouterr().out
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert "renders:  2 (" in out and "of 768.0 MiB" in out and "of 1.00 GiB" in out
    assert str(tmp_path / "home" / "cache" / "audio_cache") in out
    assert main(["cache", "clear"]) == 0
    assert "removed 2 render(s)" in capsys.readouterr().out
    assert main(["cache"]) == 0
    assert "renders:  0 (" in capsys.readouterr().out
    assert main(["cache", "prefetch", "--thread", "no-such-thread", "-q", *flags]) == 1
    assert "sequencer cache:" in capsys.readouterr().err
