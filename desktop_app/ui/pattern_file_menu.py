"""What the File menu's pattern actions share — JSON (``pattern_file_actions.py``) and
MIDI (``midi_actions.py``): the window they answer in, the folder their dialogs start in
and remember, and how they say what they did or why they could not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox

from desktop_app.domain.pattern import Pattern
from desktop_app.ui.menu_action import menu_action

log = logging.getLogger(__name__)

STATUS_TIMEOUT_MS = 8000


class PatternDocument(Protocol):
    """What the actions need of the sequencer state."""

    @property
    def pattern(self) -> Pattern: ...

    def snapshot(self) -> dict[str, Any]: ...

    def load_snapshot(self, data: Mapping[str, Any], text: str = ...) -> None: ...


class PatternFolder(Protocol):
    """Where pattern files were last opened or saved (``Settings``)."""

    last_pattern_dir: str


class PatternFileMenu(QObject):
    """Base of a group of File-menu actions on the pattern, owned by ``window``."""

    def __init__(
        self, window: QMainWindow, document: PatternDocument, folder: PatternFolder
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._folder = folder

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        tip: str,
        shortcut: QKeySequence.StandardKey | None = None,
    ) -> QAction:
        return menu_action(self._window, text, slot, tip, shortcut)

    def _start_dir(self) -> str:
        """The folder a file was last opened from or saved to (home before any)."""
        folder = self._folder.last_pattern_dir
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def _remember(self, path: Path) -> None:
        self._folder.last_pattern_dir = str(path.parent)

    def _say(self, text: str, timeout_ms: int = STATUS_TIMEOUT_MS) -> None:
        self._window.statusBar().showMessage(text, timeout_ms)

    def _warn(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        QMessageBox.warning(self._window, title, text)
