"""A track's own sound: a file the musician picks or drops.

It is checked and copied into the sample cache (``services.track_samples``) before the
pattern refers to it by SHA-256, so a refused file changes nothing; the open pattern's
samples are protected from the cache's eviction.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from desktop_app.domain.pattern import Pattern
from desktop_app.services.track_samples import (
    ImportedSample,
    SampleStore,
    TrackSampleError,
    import_track_sample,
)

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine


class PatternDocument(Protocol):
    """The open pattern and the one undoable way to change it wholesale."""

    @property
    def pattern(self) -> Pattern: ...

    def replace_pattern(self, after: Pattern, text: str) -> None: ...

    def sample_names(self) -> list[str]: ...


class TrackSounds:
    """Own sounds of the tracks of ``document``: kept in ``samples`` (None: no sample
    cache, so no own sounds), played by ``engine``'s sample bank."""

    def __init__(
        self, document: PatternDocument, samples: SampleStore | None, engine: Engine | None
    ) -> None:
        self._doc = document
        self._samples = samples
        self._engine = engine

    def protect(self) -> None:
        """Keep the open pattern's samples out of the cache's eviction."""
        if self._samples is not None:
            self._samples.protect_open(self._doc.pattern.sample_refs())

    def sound_missing(self, track: int) -> bool:
        """True when the track's own sample cannot be played here (not in the sample cache
        — deleted, never fetched — or found undecodable): it is silent. Answered without
        decoding: the headers ask while the sound preparer may still be at work."""
        sha = self._doc.pattern.tracks[track].sample_sha256
        if sha is None:
            return False
        bank = getattr(self._engine, "bank", None)
        if bank is not None:
            return bool(bank.missing(sha))
        return self._samples is None or self._samples.lookup(sha) is None

    def import_sample(self, path: str | os.PathLike[str]) -> ImportedSample:
        """Check an audio file and copy it into the sample cache (no pattern change).
        ``TrackSampleError`` says why a file cannot be used."""
        if self._samples is None:
            raise TrackSampleError("Own sounds need the sample cache, which is not available.")
        return import_track_sample(path, self._samples, self._doc.pattern.sample_refs())

    def set_track_sample(self, track: int, path: str | os.PathLike[str]) -> ImportedSample:
        """The track plays the audio file at ``path`` (one undoable step). Raises
        ``TrackSampleError`` before anything changes when the file cannot be used. Reads
        the file on this thread: the window goes through ``SampleDrops`` instead."""
        sample = self.import_sample(path)
        self.use_sample(track, sample)
        return sample

    def add_sample_track(self, path: str | os.PathLike[str], index: int | None = None) -> int:
        """A new track named after the audio file, playing it; returns its index."""
        return self.add_track_playing(self.import_sample(path), index)

    def use_sample(self, track: int, sample: ImportedSample) -> None:
        """The track plays ``sample``, already in the sample cache (one undoable step)."""
        t = self._doc.pattern.tracks[track]
        after = self._doc.pattern.copy()
        after.set_own_sample(track, sample.sha256, sample.name)
        self._doc.replace_pattern(after, f"Sound {sample.name} on {t.name}")

    def add_track_playing(self, sample: ImportedSample, index: int | None = None) -> int:
        """A new track named after ``sample``'s file, playing it; returns its index."""
        after = self._doc.pattern.copy()
        label = after.unique_track_name(Path(sample.name).stem.strip() or "Sample")
        new = after.add_track(label, self._doc.sample_names()[0], index)
        new.sample_sha256, new.sample_name = sample.sha256, sample.name
        new.volume = 0.8
        self._doc.replace_pattern(after, f"Add track {label}")
        return len(after.tracks) - 1 if index is None else index

    def use_builtin_sound(self, track: int) -> None:
        """Back to the kit's sound the track had before its own sample."""
        t = self._doc.pattern.tracks[track]
        if t.sample_sha256 is None:
            return
        after = self._doc.pattern.copy()
        after.set_own_sample(track, None)
        self._doc.replace_pattern(after, f"Built-in sound on {t.name}")
