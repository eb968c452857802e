"""Answers real ``QFileDialog``s the way a person would: pick the file type in its combo
box with the keyboard, type the name (or folder) into its name box, press its Save /
Choose button — or Cancel.

Qt's own dialog is what appears here (the offscreen platform has no native one), so the
widgets are found by the object names Qt gives them. A test queues the answers before
the call that opens the dialog; ``seen`` records each dialog's title, file types and the
name it suggested.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QFileDialog, QLineEdit

POLL_MS = 10
# A dialog is answered once it has been up this long: right after ``show`` Qt is still
# filling it in (its folder model, the suggested name) and would undo what was typed.
SETTLE_MS = 150


@dataclass(frozen=True)
class SeenDialog:
    title: str
    filters: tuple[str, ...]
    suggested: str
    directory: str


@dataclass(frozen=True)
class _Answer:
    path: Path | None  # None: Cancel
    file_type: str | None


class FileDialogDriver:
    """``save_as(path, file_type=None)`` / ``choose(path)`` / ``cancel()`` before the
    call that opens the dialog."""

    def __init__(self) -> None:
        self.seen: list[SeenDialog] = []
        self._answers: deque[_Answer] = deque()
        self._watching = False
        self._waited: tuple[QFileDialog, int] | None = None

    def save_as(self, path: Path, file_type: str | None = None) -> None:
        """Type ``path`` as the name; ``file_type``: the start of the type to pick first."""
        self._queue(_Answer(path, file_type))

    def choose(self, folder: Path) -> None:
        """A folder dialog: type ``folder`` and press Choose."""
        self._queue(_Answer(folder, None))

    def cancel(self) -> None:
        self._queue(_Answer(None, None))

    def stop(self) -> None:
        self._watching = False

    def _queue(self, answer: _Answer) -> None:
        self._answers.append(answer)
        if not self._watching:
            self._watching = True
            QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        if not self._watching:
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog) and dialog.isVisible() and self._answers:
            seen, polls = self._waited if self._waited else (None, 0)
            polls = polls + 1 if seen is dialog else 0
            self._waited = (dialog, polls)
            if polls * POLL_MS >= SETTLE_MS:
                self._waited = None
                self._answer(dialog, self._answers.popleft())
        if self._answers:
            QTimer.singleShot(POLL_MS, self._poll)
        else:
            self._watching = False

    def _answer(self, dialog: QFileDialog, answer: _Answer) -> None:
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        combo = dialog.findChild(QComboBox, "fileTypeCombo")
        buttons = dialog.findChild(QDialogButtonBox, "buttonBox")
        assert name is not None and combo is not None and buttons is not None, "not Qt's dialog"
        self.seen.append(
            SeenDialog(
                dialog.windowTitle(),
                tuple(dialog.nameFilters()),
                name.text(),
                dialog.directory().absolutePath(),
            )
        )
        if answer.path is None:
            button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
            assert button is not None
            button.click()
            return
        if answer.file_type is not None:
            combo.setFocus()
            for _ in range(combo.count()):
                if combo.currentText().startswith(answer.file_type):
                    break
                QTest.keyClick(combo, Qt.Key.Key_Down)
            assert combo.currentText().startswith(answer.file_type), combo.currentText()
        name.setFocus()
        name.selectAll()
        QTest.keyClicks(name, str(answer.path))
        accept = buttons.button(
            QDialogButtonBox.StandardButton.Save
            if dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
            else QDialogButtonBox.StandardButton.Open
        )
        assert accept is not None and accept.isEnabled(), "the dialog does not take the name"
        accept.click()
