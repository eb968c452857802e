"""File → New pattern / Open pattern JSON… / Save pattern as…: the window's side of
``services/pattern_files.py``.

Kept out of ``main_window.py`` (as ``midi_actions.py`` is) so the window only adds the
actions to its menu. Every load goes through ``load_snapshot``, so it is one undoable step
and a file that cannot be used changes nothing and explains itself in a dialog.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from desktop_app.domain.pattern import SnapshotError, empty_pattern
from desktop_app.services.pattern_files import (
    PatternFileError,
    read_pattern_file,
    write_pattern_file,
)
from desktop_app.ui.midi_actions import PatternFolder

log = logging.getLogger(__name__)

STATUS_TIMEOUT_MS = 8000


class SnapshotDocument(Protocol):
    """What the actions need of the sequencer state."""

    def snapshot(self) -> dict[str, Any]: ...

    def load_snapshot(self, data: Any, text: str = ...) -> None: ...


class PatternFileActions(QObject):
    """``new_action``, ``open_action`` and ``save_action`` for ``window``'s File menu."""

    def __init__(
        self, window: QMainWindow, document: SnapshotDocument, folder: PatternFolder
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._folder = folder
        self.new_action = self._action(
            "&New pattern",
            self.new_pattern,
            QKeySequence.StandardKey.New,
            "Start from an empty pattern (undoable)",
        )
        self.open_action = self._action(
            "&Open pattern JSON…",
            self.open_pattern,
            QKeySequence.StandardKey.Open,
            "Load a pattern saved as JSON",
        )
        self.save_action = self._action(
            "Save pattern &as…",
            self.save_pattern_as,
            QKeySequence.StandardKey.SaveAs,
            "Save the pattern as a JSON file",
        )
        if self.save_action.shortcut().isEmpty():  # not every platform defines SaveAs
            self.save_action.setShortcut(QKeySequence("Ctrl+Shift+S"))

    def _action(
        self, text: str, slot: Any, shortcut: QKeySequence.StandardKey, tip: str
    ) -> QAction:
        action = QAction(text, self._window)
        action.setShortcuts(shortcut)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    @property
    def actions(self) -> list[QAction]:
        return [self.new_action, self.open_action, self.save_action]

    @Slot()
    def new_pattern(self) -> None:
        self._document.load_snapshot(empty_pattern().to_snapshot(), "New pattern")
        self._say("New empty pattern — Undo brings the old one back", 5000)

    def _pattern_dir(self) -> str:
        folder = self._folder.last_pattern_dir
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    @Slot()
    def open_pattern(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window,
            "Open pattern",
            self._pattern_dir(),
            "Pattern JSON (*.json);;All files (*)",
        )
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> bool:
        """Load a pattern file as one undoable step; a bad file explains itself."""
        try:
            self._document.load_snapshot(read_pattern_file(path), f"Open {path.name}")
        except (PatternFileError, SnapshotError) as exc:
            self._file_error("open", path, str(exc))
            return False
        self._folder.last_pattern_dir = str(path.parent)
        self._say(f"Opened {path.name}")
        return True

    @Slot()
    def save_pattern_as(self) -> None:
        suggested = Path(self._pattern_dir()) / "pattern.json"
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Save pattern as", str(suggested), "Pattern JSON (*.json)"
        )
        if path:
            target = Path(path)
            if not target.suffix:
                target = target.with_suffix(".json")
            self.save_file(target)

    def save_file(self, path: Path) -> bool:
        try:
            write_pattern_file(path, self._document.snapshot())
        except PatternFileError as exc:
            self._file_error("save", path, str(exc))
            return False
        self._folder.last_pattern_dir = str(path.parent)
        self._say(f"Saved {path.name}")
        return True

    def _file_error(self, verb: str, path: Path, why: str) -> None:
        log.warning("could not %s %s: %s", verb, path, why)
        QMessageBox.warning(self._window, f"Could not {verb} the pattern", f"{path}\n\n{why}")

    def _say(self, text: str, timeout_ms: int = STATUS_TIMEOUT_MS) -> None:
        self._window.statusBar().showMessage(text, timeout_ms)
