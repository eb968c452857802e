"""The kits folder: a pattern's sounds saved as a kit folder, kits listed and
used through the real sample cache, and every failure leaving the folder as it was."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.audio.audio_files import read_audio
from desktop_app.domain.kit_apply import apply_kit
from desktop_app.domain.kit_format import KIT_FILE, KitSound, KitSpec
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.kit_library import KitError, KitLibrary, default_kit, inspect_sample
from desktop_app.services.samples import SampleCache, sha256_file

SR = 44100


def tone(path: Path, freq: float = 220.0, seconds: float = 0.2, amp: float = 0.5) -> Path:
    t = np.arange(int(SR * seconds)) / SR
    soundfile.write(path, (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32), SR)
    return path


@pytest.fixture
def cache(tmp_path: Path) -> SampleCache:
    # add_local and lookup never talk to the server; the client is real but never used.
    return SampleCache(tmp_path / "samples", ApiClient("http://127.0.0.1:9", "unused"))


@pytest.fixture
def library(tmp_path: Path) -> KitLibrary:
    return KitLibrary(tmp_path / "kits")


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_pattern_saved_as_a_kit_and_used_again(
    tmp_path: Path, cache: SampleCache, library: KitLibrary
) -> None:
    pattern = demo_pattern()
    kick = cache.add_local(tone(tmp_path / "Kick 909.wav", 60))
    pattern.set_own_sample(0, kick.stem, "Kick 909.wav")
    pattern.set_volume(0, 0.95)
    pattern.set_pitch(0, -5)

    folder = library.save_pattern("Live set", pattern, cache)
    assert visible(folder) == ["Kick 909.wav", KIT_FILE]
    assert sha256_file(folder / "Kick 909.wav") == kick.stem
    data = json.loads((folder / KIT_FILE).read_text())
    sound = {"name": "Kick", "file": "Kick 909.wav", "volume": 0.95, "pan": 0.0, "pitch": -5.0}
    assert data["sounds"][0] == {**sound, "decay": None, "choke": None}
    assert data["sounds"][1]["builtin"] == "snare"
    assert [e.name for e in library.entries()] == ["Live set"]

    # on another machine (an empty cache) the kit brings its sample along
    other = SampleCache(tmp_path / "other", ApiClient("http://127.0.0.1:9", "unused"))
    spec = library.read(folder)
    own = library.samples_for(folder, spec, other)
    applied = apply_kit(demo_pattern(), spec, own).pattern
    assert applied.tracks[0].sample_sha256 == kick.stem
    assert (applied.tracks[0].volume, applied.tracks[0].pitch) == (0.95, -5.0)
    cached = other.lookup(kick.stem)
    assert cached is not None and read_audio(cached)[1] == SR


def test_a_name_in_use_is_refused_unless_replaced(
    tmp_path: Path, cache: SampleCache, library: KitLibrary
) -> None:
    first = library.save_pattern("Mine", demo_pattern(), cache)
    with pytest.raises(KitError, match="already exists"):
        library.save_pattern("MINE", demo_pattern(), cache)
    changed = demo_pattern()
    changed.set_volume(0, 0.1)
    again = library.save_pattern("Mine", changed, cache, replace=True)
    assert again == first and library.read(first).sounds[0].volume == 0.1
    assert visible(library.folder) == ["Mine"]  # no scratch or replaced folder left
    assert library.unique_name("mine") == "mine 2"


def test_a_sample_not_in_the_cache_is_named_and_nothing_is_stored(
    cache: SampleCache, library: KitLibrary
) -> None:
    pattern = demo_pattern()
    pattern.set_own_sample(1, "c" * 64, "gone.wav")
    with pytest.raises(KitError, match=r"track Snare \(gone.wav\) is not on this computer"):
        library.save_pattern("Broken", pattern, cache)
    assert visible(library.folder) == []


def test_a_kit_damaged_by_hand_is_listed_with_its_error_and_not_used(
    tmp_path: Path, cache: SampleCache, library: KitLibrary
) -> None:
    pattern = demo_pattern()
    pattern.set_own_sample(0, cache.add_local(tone(tmp_path / "k.wav")).stem, "k.wav")
    folder = library.save_pattern("Fragile", pattern, cache)
    (folder / "k.wav").unlink()
    (library.folder / "junk").mkdir()
    (library.folder / "junk" / KIT_FILE).write_text("{oops")
    entries = {e.name: e.error for e in library.entries()}
    assert "k.wav is missing" in (entries["Fragile"] or "")
    assert "not valid JSON" in (entries["junk"] or "")

    (folder / "k.wav").write_bytes(b"RIFF not really audio")
    spec = library.read(folder)
    before = cache.entries()
    with pytest.raises(KitError, match=r"k\.wav: "):
        library.samples_for(folder, spec, cache)
    assert cache.entries() == before


def test_a_file_linked_out_of_the_kit_folder_is_refused(
    tmp_path: Path, library: KitLibrary
) -> None:
    folder = library.folder / "Linked"
    folder.mkdir(parents=True)
    tone(tmp_path / "outside.wav")
    (folder / "kick.wav").symlink_to(tmp_path / "outside.wav")
    spec = KitSpec("Linked", (KitSound("Kick", file="kick.wav"),))
    (folder / KIT_FILE).write_text(spec.to_json())
    with pytest.raises(KitError, match=r"kick\.wav is missing"):
        library.read(folder)


def test_samples_are_bounded(tmp_path: Path) -> None:
    long = tone(tmp_path / "long.wav", seconds=31.0, amp=0.1)
    with pytest.raises(KitError, match=r"31\.0 s long; the limit is 30 s"):
        inspect_sample(long)
    assert inspect_sample(tone(tmp_path / "ok.wav")).silent is False
    silent = tmp_path / "silent.wav"
    soundfile.write(silent, np.zeros(100, dtype=np.float32), SR)
    assert inspect_sample(silent).silent is True


def test_the_default_kit_is_the_apps_eight_sounds() -> None:
    spec = default_kit()
    assert [s.builtin for s in spec.sounds] == [t.sample for t in demo_pattern().tracks]
