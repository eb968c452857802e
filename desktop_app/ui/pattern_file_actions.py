"""File → New pattern / Open pattern JSON… / Save pattern as…: the window's side of
``services/pattern_files.py``.

Kept out of ``main_window.py`` (as ``midi_actions.py`` is, with the same base,
``PatternFileMenu``) so the window only adds the actions to its menu. Every load goes
through ``load_snapshot``, so it is one undoable step and a file that cannot be used
changes nothing and explains itself in a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow

from desktop_app.domain.pattern import SnapshotError, empty_pattern
from desktop_app.services.pattern_files import (
    PatternFileError,
    confine_sample_files,
    read_pattern_file,
    write_pattern_file,
)
from desktop_app.ui.pattern_file_menu import PatternDocument, PatternFileMenu, PatternFolder

# A pattern file's snapshot, and a sentence for each track whose named file was refused.
PatternReader = Callable[[Path], tuple[dict[str, Any], list[str]]]
REFUSED_TIMEOUT_MS = 30_000  # long enough to read which tracks lost their sound


def read_confined(path: Path) -> tuple[dict[str, Any], list[str]]:
    """Without a sample store every ``"sample_file"`` is refused, unread."""
    return confine_sample_files(read_pattern_file(path), None, path.absolute().parent)


class PatternFileActions(PatternFileMenu):
    """``new_action``, ``open_action`` and ``save_action`` for ``window``'s File menu."""

    def __init__(
        self, window: QMainWindow, document: PatternDocument, folder: PatternFolder
    ) -> None:
        super().__init__(window, document, folder)
        self._read: PatternReader = read_confined
        keys = QKeySequence.StandardKey
        self.new_action = self._action(
            "&New pattern", self.new_pattern, "Start from an empty pattern (undoable)", keys.New
        )
        self.open_action = self._action(
            "&Open pattern JSON…", self.open_pattern, "Load a pattern saved as JSON", keys.Open
        )
        self.save_action = self._action(
            "Save pattern &as…",
            self.save_pattern_as,
            "Save the pattern as a JSON file",
            keys.SaveAs,
        )
        if self.save_action.shortcut().isEmpty():  # not every platform defines SaveAs
            self.save_action.setShortcut(QKeySequence("Ctrl+Shift+S"))

    def use_reader(self, read: PatternReader) -> None:
        """Read pattern files with ``read`` (``PatternLoader.read_file``: a track's named
        file is used only when it is one of the sample store's own)."""
        self._read = read

    @property
    def actions(self) -> list[QAction]:
        return [self.new_action, self.open_action, self.save_action]

    @Slot()
    def new_pattern(self) -> None:
        self._document.load_snapshot(empty_pattern().to_snapshot(), "New pattern")
        self._say("New empty pattern — Undo brings the old one back", 5000)

    @Slot()
    def open_pattern(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window,
            "Open pattern",
            self._start_dir(),
            "Pattern JSON (*.json);;All files (*)",
        )
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> bool:
        """Load a pattern file as one undoable step; a bad file explains itself, and so
        does a track whose named sound file was refused (it loads without it)."""
        try:
            snapshot, refused = self._read(path)
            self._document.load_snapshot(snapshot, f"Open {path.name}")
        except (PatternFileError, SnapshotError) as exc:
            self._file_error("open", path, str(exc))
            return False
        self._remember(path)
        if refused:
            self._say(f"Opened {path.name} — " + "; ".join(refused), REFUSED_TIMEOUT_MS)
        else:
            self._say(f"Opened {path.name}")
        return True

    @Slot()
    def save_pattern_as(self) -> None:
        suggested = Path(self._start_dir()) / "pattern.json"
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
        self._remember(path)
        self._say(f"Saved {path.name}")
        return True

    def _file_error(self, verb: str, path: Path, why: str) -> None:
        self._warn(f"Could not {verb} the pattern", f"{path}\n\n{why}")
