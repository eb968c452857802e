"""A pattern file (.json) dropped anywhere on the window opens as File → Open opens it.

The window takes the drops that no more specific target took: an audio file on a track
header or under the tracks is that track's sound (``track_sound``), and audio dropped on
the conversation waits in the composer (``send_drop``); both leave pattern files alone,
so a drag travels up to the window (Qt hands a drag to the first widget under the
pointer that accepts it, then to its parents). What a drop opens goes through the same
``open_file`` as File → Open: one undoable step, the question about the sound files it
names, the same status message, the same refusal of a file that is no pattern.

The file is opened once the drop has returned, not inside it: Open may ask (a modal
box), and a file manager waits for the drop to end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QTimer
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

PATTERN_SUFFIXES = frozenset({".json"})


def is_pattern_file(path: Path) -> bool:
    return path.suffix.lower() in PATTERN_SUFFIXES


def local_files(mime: QMimeData | None) -> list[Path]:
    """The local files a drag carries (web links and text are none)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def pattern_files_only(files: Sequence[Path]) -> bool:
    """Whether a drag carries pattern files and nothing else (the window's to open)."""
    return bool(files) and all(is_pattern_file(path) for path in files)


class PatternDrop(QObject):
    """``PatternDrop(window, open_file)``: the window accepts drags of pattern files
    (only: a drag that also carries other files is no pattern to open, and shows as not
    droppable); ``open_file(path)`` opens each dropped, once the drop has returned."""

    def __init__(self, window: QWidget, open_file: Callable[[Path], object]) -> None:
        super().__init__(window)
        self._open_file = open_file
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QDropEvent):  # QDragEnterEvent and QDragMoveEvent are
            return False
        files = local_files(event.mimeData())
        if not pattern_files_only(files):
            return False
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if event.type() == QEvent.Type.Drop:
            QTimer.singleShot(0, self, lambda: self._open(files))
        return True

    def _open(self, files: list[Path]) -> None:
        for path in files:  # each as File → Open would: the last one opened stays
            log.info("opening the dropped pattern file %s", path)
            self._open_file(path)
