"""File → Import MIDI… / Export MIDI…: the window's side of ``domain/midi.py``.

Kept out of ``main_window.py`` so the window only adds the two actions to its menu.
Import goes through ``load_snapshot`` like File → Open pattern, so it is one undoable
step and a file that cannot be used changes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from desktop_app.domain.midi import MidiError, read_midi, write_midi
from desktop_app.domain.pattern import Pattern, SnapshotError

log = logging.getLogger(__name__)

STATUS_TIMEOUT_MS = 8000
MIDI_FILTER = "MIDI files (*.mid *.midi);;All files (*)"


class PatternDocument(Protocol):
    """What the actions need of the sequencer state."""

    @property
    def pattern(self) -> Pattern: ...

    def load_snapshot(self, data: Any, text: str = ...) -> None: ...


class PatternFolder(Protocol):
    """Where pattern files were last opened or saved (``Settings``)."""

    last_pattern_dir: str


class MidiActions(QObject):
    """``import_action`` and ``export_action`` for ``window``'s File menu."""

    def __init__(
        self, window: QMainWindow, document: PatternDocument, folder: PatternFolder
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._folder = folder
        self.import_action = QAction("&Import MIDI…", window)
        self.import_action.setStatusTip("Replace the pattern with the drums of a MIDI file")
        self.import_action.triggered.connect(self.import_midi)
        self.export_action = QAction("&Export MIDI…", window)
        self.export_action.setStatusTip("Write the pattern as a MIDI file for a DAW")
        self.export_action.triggered.connect(self.export_midi)

    def _start_dir(self) -> str:
        folder = self._folder.last_pattern_dir
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    @Slot()
    def import_midi(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Import MIDI", self._start_dir(), MIDI_FILTER
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> bool:
        try:
            result = read_midi(path)
            self._document.load_snapshot(result.pattern.to_snapshot(), f"Import {path.name}")
        except (MidiError, SnapshotError) as exc:
            self._warn("Could not import the MIDI file", str(exc))
            return False
        self._folder.last_pattern_dir = str(path.parent)
        said = " ".join([f"Imported {path.name} — Undo brings yours back.", *result.notes])
        self._window.statusBar().showMessage(said, STATUS_TIMEOUT_MS * 2)
        return True

    @Slot()
    def export_midi(self) -> None:
        suggested = Path(self._start_dir()) / "pattern.mid"
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Export MIDI", str(suggested), MIDI_FILTER
        )
        if path:
            target = Path(path)
            self.export_file(target if target.suffix else target.with_suffix(".mid"))

    def export_file(self, path: Path) -> bool:
        try:
            notes = write_midi(self._document.pattern, path)
        except MidiError as exc:
            self._warn("Could not export MIDI", str(exc))
            return False
        self._folder.last_pattern_dir = str(path.parent)
        self._window.statusBar().showMessage(
            f"Exported {path.name}: {notes} notes", STATUS_TIMEOUT_MS
        )
        return True

    def _warn(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        QMessageBox.warning(self._window, title, text)
