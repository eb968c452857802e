"""The sound files a pattern file on the musician's disk names, read once they agreed.

File → Open asks first (``ui/sound_files_consent.py``); this reads the files on a worker
(decoding and hashing up to 50 MB each would freeze the window), the way a dropped file
is read (``import_track_samples``), into the same sample store, so the tracks refer to
them by SHA-256 and a Send uploads them with the pattern. Nothing received from a thread
comes here: a message's pattern is only ever confined to the store
(``PatternLoader``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject

from desktop_app.services.tasks import TaskRunner
from desktop_app.services.track_samples import (
    ImportedSample,
    SampleStore,
    import_track_samples,
)

log = logging.getLogger(__name__)

# For each file asked for, in order: the stored sample, or why it cannot be used.
SoundResults = list[ImportedSample | str]


class FolderStore(SampleStore, Protocol):
    """``SampleCache``: the store, and the folder its files are in."""

    @property
    def folder(self) -> Path: ...


class PatternFileSounds(QObject):
    """``PatternFileSounds(store, tasks)``: ``read(paths, protect, on_done)``."""

    def __init__(self, store: FolderStore, tasks: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self._store = store
        self._tasks = tasks

    @property
    def folder(self) -> Path:
        """The sample store's folder: a name inside it is used without asking."""
        return self._store.folder

    def read(
        self,
        paths: Sequence[Path],
        protect: Sequence[str],
        on_done: Callable[[SoundResults], None],
    ) -> None:
        """Check and store each of ``paths`` on a worker; ``on_done`` gets the results on
        this thread. The samples in ``protect`` (the open pattern's) stay in the store."""
        count = len(paths)

        def crashed(exc: BaseException) -> None:
            log.error("reading a pattern file's sounds failed unexpectedly", exc_info=exc)
            on_done([f"{path.name} could not be read: {exc}" for path in paths])

        log.info("reading %d sound file(s) a pattern file names, with consent", count)
        self._tasks.submit(
            import_track_samples,
            list(paths),
            self._store,
            list(protect),
            on_done=on_done,
            on_error=crashed,
            context=self,
        )
