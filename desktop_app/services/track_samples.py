"""Taking the musician's audio file for a track: checked, then kept by hash.

A file becomes a track's sound only if the engine can play it: it is decoded first (WAV,
AIFF, FLAC, Ogg or MP3, by its contents; at most ``MAX_SAMPLE_SECONDS`` and
``MAX_SAMPLE_BYTES``), and only then copied into the sample cache under its SHA-256,
which is what the pattern refers to. A file that fails says why in one sentence and
nothing is copied or changed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from desktop_app.audio.audio_files import TRACK_SUFFIXES, AudioFileError
from desktop_app.audio.sample_bank import decode_sample
from desktop_app.services.samples import SampleError

ENGINE_RATE = 44100


class SampleStore(Protocol):
    """Where imported samples are kept (``SampleCache``)."""

    def add_local(self, path: str | os.PathLike[str], protect: Iterable[str] = ()) -> Path: ...

    def lookup(self, sha256: str) -> Path | None: ...

    def protect_open(self, sha256s: Iterable[str]) -> None: ...


class TrackSampleError(Exception):
    """An audio file that cannot be a track's sound; the message names it and says why."""


@dataclass(frozen=True)
class ImportedSample:
    sha256: str
    name: str  # the file's name, shown on the track
    path: Path  # the copy in the sample cache


def is_track_audio(path: str | os.PathLike[str]) -> bool:
    """Whether a dropped file looks like audio a track may take (its name only: the
    contents are checked by ``import_track_sample``)."""
    return Path(path).suffix.lower() in TRACK_SUFFIXES


def import_track_sample(
    path: str | os.PathLike[str], store: SampleStore, protect: Iterable[str] = ()
) -> ImportedSample:
    """Check that ``path`` plays, then copy it into ``store``. ``TrackSampleError`` with a
    clear message otherwise (nothing is copied)."""
    source = Path(path)
    name = source.name
    if not source.is_file():
        raise TrackSampleError(f"{name}: there is no such file")
    try:
        decode_sample(source, ENGINE_RATE)
    except AudioFileError as exc:
        raise TrackSampleError(f"{name} cannot be used as a track's sound: {exc}.") from None
    except OSError as exc:
        raise TrackSampleError(f"{name} cannot be read: {exc.strerror or exc}.") from None
    try:
        cached = store.add_local(source, protect)
    except SampleError as exc:
        raise TrackSampleError(str(exc)) from None
    except OSError as exc:
        raise TrackSampleError(
            f"{name} could not be copied into the sample cache: {exc.strerror or exc}."
        ) from None
    sha = cached.name.partition(".")[0]
    return ImportedSample(sha, name, cached)


def import_track_samples(
    paths: Iterable[Path], store: SampleStore, protect: Iterable[str] = ()
) -> list[ImportedSample | str]:
    """``import_track_sample`` for each of ``paths`` in turn (on a worker): the sample, or
    the sentence saying why that file cannot be used. The ones already taken are
    protected from the store's eviction while the others are copied in."""
    kept = set(protect)
    results: list[ImportedSample | str] = []
    for path in paths:
        try:
            sample = import_track_sample(path, store, kept)
        except TrackSampleError as exc:
            results.append(str(exc))
            continue
        kept.add(sample.sha256)
        results.append(sample)
    return results
