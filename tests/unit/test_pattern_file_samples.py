"""A pattern file names its tracks' sounds by ``"sample_file"``, and pattern files come
from anyone: a named file is copied into the sample cache only if it is a sample a track
can play (a regular file, at most 50 MB, decodable), as a dropped file must be."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.services.pattern_files import PatternFileError, resolve_sample_files
from desktop_app.services.samples import SampleCache


def _pattern(named: str) -> dict:
    track = {"name": "Kick", "sample": "kick", "steps": [100, 0, 0, 0], "sample_file": named}
    return {"format": "sequencer.pattern", "version": "0.1.0", "bpm": 120, "tracks": [track]}


@pytest.fixture
def cache(tmp_path: Path) -> SampleCache:
    return SampleCache(tmp_path / "cache")


def _cached(cache: SampleCache) -> list[str]:
    return sorted(p.name for p in cache.folder.iterdir())


def test_a_real_sample_is_taken(tmp_path: Path, cache: SampleCache) -> None:
    soundfile.write(tmp_path / "kick.wav", np.full(4410, 0.5, np.float32), 44100)
    resolved = resolve_sample_files(_pattern("kick.wav"), tmp_path, cache)
    assert resolved["tracks"][0]["sample_name"] == "kick.wav"
    assert len(_cached(cache)) == 1


def test_a_huge_file_is_refused_without_reading_or_copying_it(
    tmp_path: Path, cache: SampleCache
) -> None:
    big = tmp_path / "kick.wav"
    with big.open("wb") as out:  # sparse: 4 GB named, nothing written
        out.truncate(4 * 1024**3)
    with pytest.raises(PatternFileError, match="limit is 50 MB"):
        resolve_sample_files(_pattern(str(big)), tmp_path, cache)
    assert _cached(cache) == []


def test_a_file_that_is_not_audio_is_refused_and_not_copied(
    tmp_path: Path, cache: SampleCache
) -> None:
    (tmp_path / "notes.wav").write_text("dear diary\n" * 100)
    with pytest.raises(PatternFileError, match=r"notes\.wav cannot be a track's sound"):
        resolve_sample_files(_pattern("notes.wav"), tmp_path, cache)
    assert _cached(cache) == []


@pytest.mark.parametrize("named", ["/dev/zero", "fifo.wav"])
def test_devices_and_fifos_are_no_such_file(tmp_path: Path, cache: SampleCache, named: str) -> None:
    os.mkfifo(tmp_path / "fifo.wav")
    with pytest.raises(PatternFileError, match="no such file"):
        resolve_sample_files(_pattern(named), tmp_path, cache)
    assert _cached(cache) == []


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"[" * 200_000, "not JSON a pattern can have"),
        (b'{"bpm": 1' + b"9" * 5000 + b"}", "not JSON a pattern can have"),
        (b" " * (5 * 1024 * 1024) + b"{}", "over 4 MB"),
    ],
)
def test_hostile_json_is_a_message_not_a_crash(tmp_path: Path, raw: bytes, said: str) -> None:
    """Nesting 200000 deep raised RecursionError and a 5000-digit number a bare
    ValueError, past every handler (the window's Open, the CLI); a 5 GB file was read
    whole into memory."""
    from desktop_app.commands._failure import CommandError
    from desktop_app.commands._inputs import pattern_argument
    from desktop_app.services.pattern_files import read_pattern_file

    path = tmp_path / "hostile.json"
    path.write_bytes(raw)
    with pytest.raises(PatternFileError, match=said):
        read_pattern_file(path)
    with pytest.raises(CommandError, match=said):
        pattern_argument(path)


@pytest.mark.parametrize("raw", [b"[" * 200_000, b'{"format": 1' + b"9" * 5000 + b"}"])
def test_hostile_kit_json_is_a_kit_format_error(raw: bytes) -> None:
    from desktop_app.domain.kit_format import KitFormatError, read_kit_json

    with pytest.raises(KitFormatError, match="not JSON a kit can have"):
        read_kit_json(raw)
