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
a slower fetch for an earlier click starts no further download and is dropped when it
finishes.

A snapshot's ``"sample_file"`` names a file on someone's disk: only one of the sample
cache's own files is used, by its hash; any other is not read and the load says so
(``confine_sample_files``). And one Load downloads at most ``LOAD_CAP_BYTES``: sounds
past it are left missing and the status names their tracks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.pattern import Pattern
from desktop_app.domain.sample import snapshot_sample_refs
from desktop_app.services.cache_budget import size_text
from desktop_app.services.pattern_files import confine_sample_files, read_pattern_file
from desktop_app.services.sample_fetch import (
    LOAD_CAP_BYTES,
    FetchingCache,
    FetchReport,
    fetch_samples,
)
from desktop_app.services.samples import FetchBudget
from desktop_app.services.tasks import TaskRunner

log = logging.getLogger(__name__)

LOAD_TEXT = "Load pattern from message"


class PatternTarget(Protocol):
    """Where a loaded pattern goes (``SequencerState``)."""

    def load_snapshot(self, data: Mapping[str, Any], text: str = ...) -> None: ...


class SampleCacheLike(FetchingCache, Protocol):
    """``SampleCache``: fetches by hash into its ``folder``, the only place a pattern's
    named ``"sample_file"`` may be."""

    @property
    def folder(self) -> Path: ...


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
        *,
        cap_bytes: int = LOAD_CAP_BYTES,
    ) -> None:
        super().__init__(parent)
        self._sequencer = sequencer
        self._cache = cache
        self._tasks = tasks
        self._cap_bytes = cap_bytes  # the most one Load downloads (``LOAD_CAP_BYTES``)
        self._generation = 0
        self._busy = False
        self._budget: FetchBudget | None = None  # the fetching Load's, cancelled when superseded

    @property
    def busy(self) -> bool:
        """A fetch for the last Load is still running."""
        return self._busy

    def read_file(self, path: Path) -> tuple[dict[str, Any], list[str]]:
        """A pattern file's snapshot, and a sentence for each track whose ``"sample_file"``
        was refused: only a file of the sample cache is used (by its hash), nothing else
        is read. ``PatternFileError`` says what is wrong with the file."""
        return confine_sample_files(
            read_pattern_file(path), self._cache.folder, path.absolute().parent
        )

    def load(self, snapshot: Mapping[str, Any]) -> bool:
        """Load ``snapshot`` into the sequencer once its sounds are here. Raises
        ``SnapshotError`` at once for a pattern that cannot be loaded at all (nothing is
        fetched for it). True when it loaded at once (every sound was cached). A Load
        still fetching for an earlier one stops starting downloads: at most the one under
        way finishes, so clicking Load on many messages never multiplies the cap."""
        data, refused = confine_sample_files(snapshot, self._cache.folder)
        Pattern.from_snapshot(data)  # refuse a bad pattern before fetching anything
        self._generation += 1
        if self._budget is not None:
            self._budget.cancel()
            self._budget = None
        refs = snapshot_sample_refs(data)
        wanted = {sha: name for sha, name in refs.items() if self._cache.lookup(sha) is None}
        if not wanted:
            self._busy = False
            self._apply(data, FetchReport(), refused)
            return True
        self._busy = True
        generation = self._generation
        budget = self._budget = FetchBudget(self._cap_bytes)
        count = len(wanted)
        self.status.emit(f"Fetching {count} sound{'s' * (count != 1)} for the pattern…")

        def progress(done: int, total: int, name: str) -> None:  # on the worker
            if name and not budget.cancelled:
                self.status.emit(f"Fetching sound {done + 1} of {total}: {name}…")

        self._tasks.submit(
            fetch_samples,
            self._cache,
            wanted,
            progress,
            budget,
            on_done=lambda report: self._fetched(generation, data, report, refused),
            on_error=lambda exc: self._fetch_crashed(generation, data, exc, refused),
            context=self,
        )
        return False

    def _fetched(
        self, generation: int, data: dict[str, Any], report: FetchReport, refused: list[str]
    ) -> None:
        if generation != self._generation:
            return  # the musician loaded another pattern meanwhile
        self._busy = False
        self._budget = None
        self._apply(data, report, refused)

    def _fetch_crashed(
        self, generation: int, data: dict[str, Any], exc: BaseException, refused: list[str]
    ) -> None:
        log.error("fetching the pattern's sounds failed unexpectedly", exc_info=exc)
        report = FetchReport(
            missing={sha: f"the sound “{name}” could not be fetched: {exc}"
                     for sha, name in snapshot_sample_refs(data).items()}
        )  # fmt: skip
        self._fetched(generation, data, report, refused)

    def _apply(self, data: dict[str, Any], report: FetchReport, refused: list[str]) -> None:
        try:
            self._sequencer.load_snapshot(data, LOAD_TEXT)
        except ValueError as exc:  # SnapshotError; checked before, so only if it changed
            self.failed.emit(f"This message's pattern cannot be loaded: {exc}")
            return
        said = [*_over_cap(data, report.over_budget, self._cap_bytes)]
        others = [why for sha, why in report.missing.items() if sha not in report.over_budget]
        if others:
            tracks = "its track is" if len(others) == 1 else "their tracks are"
            said.append(f"{'; '.join(others)}, so {tracks} silent")
        said += refused
        if said:
            self.status.emit("Pattern loaded — " + "; ".join(said))
        else:
            self.status.emit("Pattern loaded — Undo brings yours back")
        self.loaded.emit(report)


def _over_cap(data: Mapping[str, Any], over: list[str], cap_bytes: int) -> list[str]:
    """The sentence naming the tracks left silent because their sounds were past the cap."""
    if not over:
        return []
    tracks = data.get("tracks") or []
    names = [str(t.get("name")) for t in tracks if t.get("sample_sha256") in set(over)]
    many = len(names) != 1
    return [
        f"{', '.join(names)} {'are' if many else 'is'} silent: {'their' if many else 'its'} "
        f"sound{'s' * many} would take this Load past the {size_text(cap_bytes)} of sounds "
        "one Load fetches"
    ]
