"""``sequencer cache info|clear`` covers the whole cache: the recordings and the sounds
patterns play, each capped by its share of the one limit in Settings. ``clear`` keeps the
sounds of the pattern the window reopens, and a message waiting in the outbox still has
its sound afterwards (the outbox keeps its own link)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.__main__ import main
from desktop_app.domain.draft import MessageDraft
from desktop_app.domain.pattern import Pattern
from desktop_app.domain.track import Track
from desktop_app.paths import AppPaths
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.cache_budget import MIB, render_cap_bytes, sample_cap_bytes
from desktop_app.services.outbox import Outbox
from desktop_app.services.pattern_files import SessionPattern
from desktop_app.services.samples import SampleCache, sha256_file
from desktop_app.settings import Settings
from tests.tones import make_mp3


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    monkeypatch.setenv("SEQUENCER_HOME", str(tmp_path / "home"))
    paths = AppPaths.under(tmp_path / "home").ensure()
    settings = Settings.open(paths.settings_file)
    settings.cache_size_mb = 256
    settings.sync()
    return paths


def sound(folder: Path, name: str, level: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    soundfile.write(path, np.full(4000, level, np.float32), 44100, subtype="FLOAT")
    return path


def playing(*shas: str) -> Pattern:
    tracks = [
        Track(f"T{i}", "kick", [127] + [0] * 15, sample_sha256=sha, sample_name=f"{i}.wav")
        for i, sha in enumerate(shas)
    ]
    return Pattern(bpm=120, tracks=tracks)


def test_info_and_clear_cover_renders_and_samples(home: AppPaths, tmp_path: Path, capsys) -> None:
    renders = AudioCache(home.audio_cache_dir)
    renders.adopt("r1", make_mp3(tmp_path / "r1.mp3"))
    renders.close()
    samples = SampleCache(home.sample_cache_dir)
    files = tmp_path / "files"
    on_screen, queued, other = (
        samples.add_local(sound(files, f"{n}.wav", level))
        for n, level in (("on screen", 0.1), ("queued", 0.2), ("other", 0.3))
    )
    sha = {p: p.name.split(".")[0] for p in (on_screen, queued, other)}
    SessionPattern(home.session_pattern_file).save(playing(sha[on_screen]).to_snapshot())
    outbox = Outbox(*home.outbox_for(""), samples=samples)
    entry = outbox.add(MessageDraft("t1", "alice", playing(sha[queued]).to_snapshot()))
    sample_bytes = sum(p.stat().st_size for p in (on_screen, queued, other))

    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert "renders:  1 (" in out and f"of {render_cap_bytes(256) // MIB}.0 MiB" in out
    assert f"samples:  3 ({sample_bytes / 1024:.0f} KiB of 64.0 MiB, 0%)" in out
    assert str(home.sample_cache_dir) in out and str(home.audio_cache_dir) in out
    assert "of 256.0 MiB (the cache limit in Settings)" in out

    assert main(["cache", "clear"]) == 0
    out = capsys.readouterr().out
    assert "removed 1 render(s)" in out and "2 sample(s)" in out
    assert "kept 1 sample(s) the open pattern plays" in out
    assert [p.name for p in home.sample_cache_dir.iterdir() if not p.name.startswith(".")] == [
        on_screen.name
    ]
    kept = outbox.get(entry.id)
    assert kept is not None
    (link,) = [s.path for s in kept.samples]
    assert link is not None and sha256_file(link) == sha[queued]  # still deliverable
    outbox.close()
    assert main(["cache"]) == 0
    assert "samples:  1 (" in capsys.readouterr().out


def test_the_sample_cache_cap_follows_the_settings(home: AppPaths) -> None:
    from desktop_app.commands._own_samples import sample_cache

    assert sample_cache().cap_bytes == sample_cap_bytes(256) == 64 * MIB
    assert render_cap_bytes(256) + sample_cap_bytes(256) == 256 * MIB
