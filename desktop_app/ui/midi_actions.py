"""File → Import MIDI… / Export MIDI…: the window's side of ``domain/midi.py``.

Kept out of ``main_window.py`` so the window only adds the two actions to its menu; what
it shares with File → Open/Save pattern is in ``pattern_file_menu.py``.
Import goes through ``load_snapshot`` like File → Open pattern, so it is one undoable
step and a file that cannot be used changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog, QMainWindow

from desktop_app.domain.midi import MidiError, read_midi, write_midi
from desktop_app.domain.pattern import SnapshotError
from desktop_app.ui.pattern_file_menu import (
    STATUS_TIMEOUT_MS,
    PatternDocument,
    PatternFileMenu,
    PatternFolder,
)

MIDI_FILTER = "MIDI files (*.mid *.midi);;All files (*)"


class MidiActions(PatternFileMenu):
    """``import_action`` and ``export_action`` for ``window``'s File menu."""

    def __init__(
        self, window: QMainWindow, document: PatternDocument, folder: PatternFolder
    ) -> None:
        super().__init__(window, document, folder)
        self.import_action = self._action(
            "&Import MIDI…", self.import_midi, "Replace the pattern with the drums of a MIDI file"
        )
        self.export_action = self._action(
            "&Export MIDI…", self.export_midi, "Write the pattern as a MIDI file for a DAW"
        )

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
        self._remember(path)
        said = " ".join([f"Imported {path.name} — Undo brings yours back.", *result.notes])
        self._say(said, STATUS_TIMEOUT_MS * 2)
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
        self._remember(path)
        self._say(f"Exported {path.name}: {notes} notes")
        return True
