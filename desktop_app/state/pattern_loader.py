"""A message's Load on a machine that may not have its sounds yet.

The pattern's own samples that are not in the sample cache are fetched first, on a
worker (the window stays responsive; ``status`` says how far it got), then the pattern is
loaded as one undoable step. A sample that cannot be fetched — the server is away, the
sample was deleted — does not stop the Load: the pattern loads, the engine plays silence
for that track, the track shows "missing sound" (``SequencerState.sound_missing``), and
``status`` says which sound is missing and why.

The open pattern's samples stay protected from eviction while others are fetched (the
cache's ``protect_open``, kept by ``SequencerState``); the fetched ones are protected from
each other, and become the open pattern's once it is loaded. Only the last Load counts:
a slower fetch for an earlier click is dropped when it finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.pattern import Pattern
from desktop_app.domain.sample import snapshot_sample_refs
from desktop_app.services.pattern_files import (
    LocalSamples,
    read_pattern_file,
    resolve_sample_files,
)
from desktop_app.services.sample_fetch import FetchingCache, FetchReport, fetch_samples
from desktop_app.services.tasks import TaskRunner

log = logging.getLogger(__name__)

LOAD_TEXT = "Load pattern from message"


class PatternTarget(Protocol):
    """Where a loaded pattern goes (``SequencerState``)."""

    def load_snapshot(self, data: Mapping[str, Any], text: str = ...) -> None: ...


class SampleCacheLike(FetchingCache, LocalSamples, Protocol):
    """``SampleCache``: fetches by hash, and takes the files a pattern file names."""


class PatternLoader(QObject):
    """``PatternLoader(sequencer, cache, tasks)``."""

    status = Signal(str)  # a sentence for the status bar: fetching, loaded, what is missing
    loaded = Signal(object)  # FetchReport, once the pattern is in the sequencer
    failed = Signal(str)  # the pattern could not be loaded after its sounds were fetched

    def __init__(
        self,
        sequencer: PatternTarget,
        cache: SampleCacheLike,
        tasks: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sequencer = sequencer
        self._cache = cache
        self._tasks = tasks
        self._generation = 0
        self._busy = False

    @property
    def busy(self) -> bool:
        """A fetch for the last Load is still running."""
        return self._busy

    def read_file(self, path: Path) -> dict[str, Any]:
        """A pattern file's snapshot with its tracks' ``"sample_file"`` sounds put into the
        sample cache and referenced by SHA-256, as a track the musician gave a sound in
        the window. ``PatternFileError`` says what is wrong with the file."""
        return resolve_sample_files(read_pattern_file(path), path.absolute().parent, self._cache)

    def load(self, snapshot: Mapping[str, Any]) -> bool:
        """Load ``snapshot`` into the sequencer once its sounds are here. Raises
        ``SnapshotError`` at once for a pattern that cannot be loaded at all (nothing is
        fetched for it). True when it loaded at once (every sound was cached)."""
        Pattern.from_snapshot(snapshot)  # refuse a bad pattern before fetching anything
        data = dict(snapshot)
        self._generation += 1
        refs = snapshot_sample_refs(data)
        wanted = {sha: name for sha, name in refs.items() if self._cache.lookup(sha) is None}
        if not wanted:
            self._busy = False
            self._apply(data, FetchReport())
            return True
        self._busy = True
        generation = self._generation
        count = len(wanted)
        self.status.emit(f"Fetching {count} sound{'s' * (count != 1)} for the pattern…")

        def progress(done: int, total: int, name: str) -> None:  # on the worker
            if name:
                self.status.emit(f"Fetching sound {done + 1} of {total}: {name}…")

        self._tasks.submit(
            fetch_samples,
            self._cache,
            wanted,
            progress,
            on_done=lambda report: self._fetched(generation, data, report),
            on_error=lambda exc: self._fetch_crashed(generation, data, exc),
            context=self,
        )
        return False

    def _fetched(self, generation: int, data: dict[str, Any], report: FetchReport) -> None:
        if generation != self._generation:
            return  # the musician loaded another pattern meanwhile
        self._busy = False
        self._apply(data, report)

    def _fetch_crashed(self, generation: int, data: dict[str, Any], exc: BaseException) -> None:
        log.error("fetching the pattern's sounds failed unexpectedly", exc_info=exc)
        report = FetchReport(
            missing={sha: f"the sound “{name}” could not be fetched: {exc}"
                     for sha, name in snapshot_sample_refs(data).items()}
        )  # fmt: skip
        self._fetched(generation, data, report)

    def _apply(self, data: dict[str, Any], report: FetchReport) -> None:
        try:
            self._sequencer.load_snapshot(data, LOAD_TEXT)
        except ValueError as exc:  # SnapshotError; checked before, so only if it changed
            self.failed.emit(f"This message's pattern cannot be loaded: {exc}")
            return
        if report.missing:
            why = "; ".join(report.missing.values())
            tracks = "its track is" if len(report.missing) == 1 else "their tracks are"
            self.status.emit(f"Pattern loaded — {why}, so {tracks} silent")
        else:
            self.status.emit("Pattern loaded — Undo brings yours back")
        self.loaded.emit(report)
