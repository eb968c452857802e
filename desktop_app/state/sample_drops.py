"""Audio files given to tracks in the window — dropped on a header or under the tracks,
or picked with "Sample…" / "Audio file…" — read on a worker.

Reading one (decoding, resampling, hashing and copying up to 50 MB into the sample cache)
takes a good part of a second for a long file; on the GUI thread that froze the window.
Here it runs through the ``TaskRunner`` and the result comes back on the GUI thread:

- the sound lands on the track it was dropped on, found again by its ``uid`` whatever the
  musician did meanwhile (added, removed or moved tracks, undid, edited steps); if that
  track is gone by then (another pattern was loaded), nothing changes and the status bar
  says so;
- a second file dropped on the same track before the first was read wins: the first is
  dropped when it arrives (the last drop is what the musician meant); drops on other
  tracks, and new-track drops, each land on their own, one undo step each;
- a file that cannot be used says why in the status bar, and nothing changes.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QThreadPool, Signal

from desktop_app.domain.pattern import Pattern
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.track_samples import (
    ImportedSample,
    SampleStore,
    TrackSampleError,
    import_track_sample,
)

log = logging.getLogger(__name__)


class SoundTarget(Protocol):
    """The open pattern and the edits that give a track a sound (``SequencerState``)."""

    @property
    def pattern(self) -> Pattern: ...

    def use_sample(self, track: int, sample: ImportedSample) -> None: ...

    def add_track_playing(self, sample: ImportedSample, index: int | None = None) -> int: ...


class SampleDrops(QObject):
    """``SampleDrops(target, store, tasks, say)``; ``say`` hears every sentence for the
    status bar (what is being read, what plays now, why a file was refused)."""

    added = Signal(int)  # the index of a track made from a file, once it is there

    def __init__(
        self,
        target: SoundTarget,
        store: SampleStore | None,
        tasks: TaskRunner | None,
        say: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._target = target
        self._store = store
        self._tasks = tasks if tasks is not None else TaskRunner(QThreadPool.globalInstance())
        self._say = say
        self._tokens = itertools.count(1)
        self._latest: dict[int, int] = {}  # track uid → the drop on it that counts
        self._reading = 0

    @property
    def reading(self) -> int:
        """Files still being read."""
        return self._reading

    def give_track(self, index: int, path: str | os.PathLike[str]) -> None:
        """Track ``index`` plays the file at ``path`` once it has been read."""
        track = self._target.pattern.tracks[index]
        token = next(self._tokens)
        self._latest[track.uid] = token
        name = Path(path).name
        self._read(
            path,
            f"Reading {name} for {track.name}…",
            lambda sample: self._give(track.uid, token, sample),
        )

    def add_track(self, path: str | os.PathLike[str]) -> None:
        """A new track named after the file at ``path``, playing it, once it is read."""
        self._read(path, f"Reading {Path(path).name} for a new track…", self._add)

    def _read(
        self,
        path: str | os.PathLike[str],
        reading: str,
        done: Callable[[ImportedSample], None],
    ) -> None:
        if self._store is None:
            self._say("Own sounds need the sample cache, which is not available.")
            return
        self._reading += 1
        self._say(reading)
        self._tasks.submit(  # on the worker: check that it plays, then copy it into the store
            import_track_sample,
            Path(path),
            self._store,
            self._target.pattern.sample_refs(),
            on_done=lambda sample: self._finished(done, sample),
            on_error=self._failed,
            context=self,
        )

    def _finished(self, done: Callable[[ImportedSample], None], sample: ImportedSample) -> None:
        self._reading -= 1
        done(sample)

    def _failed(self, exc: BaseException) -> None:
        self._reading -= 1
        if isinstance(exc, TrackSampleError):
            self._say(str(exc))
            return
        log.error("reading a dropped audio file failed unexpectedly", exc_info=exc)
        self._say(f"The file could not be used: {exc}")

    def _give(self, uid: int, token: int, sample: ImportedSample) -> None:
        if self._latest.get(uid) != token:
            return  # a later file was dropped on this track: that one counts
        del self._latest[uid]
        index = self._target.pattern.index_of(uid)
        if index is None:
            self._say(f"{sample.name} was not used: the track it was dropped on is gone.")
            return
        self._target.use_sample(index, sample)
        self._say(f"{self._target.pattern.tracks[index].name} plays {sample.name}.")

    def _add(self, sample: ImportedSample) -> None:
        try:
            index = self._target.add_track_playing(sample)
        except ValueError as exc:  # SnapshotError: the pattern has all the tracks it may
            self._say(f"{sample.name} was not added: {exc}")
            return
        self._say(f"New track {self._target.pattern.tracks[index].name} plays {sample.name}.")
        self.added.emit(index)
