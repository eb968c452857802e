"""Answers real modal QMessageBoxes the way a person would: by clicking one of their buttons.

A test queues the answers before the call that opens the dialog; a chain of
``QTimer.singleShot`` calls waits for ``QApplication.activeModalWidget()`` to be a message
box, records what it said and clicks the button with the queued text. Nothing about the
dialog is replaced, so a dialog that cannot be built (a button that does not exist in this
Qt) fails the test the way it fails the user.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox

POLL_MS = 10


@dataclass(frozen=True)
class Shown:
    """What one message box said, and which button was clicked."""

    title: str
    text: str
    informative: str
    buttons: tuple[str, ...]
    clicked: str


def _label(button: QAbstractButton) -> str:
    return button.text().replace("&", "")


class ModalDriver:
    """``answer("Delete")`` before the call; afterwards ``shown`` holds what appeared.

    A box for which no answer was queued is closed with its escape button (or OK), and
    still recorded, so an unexpected dialog shows up in ``shown`` instead of blocking.
    """

    def __init__(self) -> None:
        self.shown: list[Shown] = []
        self._answers: deque[str | None] = deque()
        self._watching = False

    def answer(self, *buttons: str) -> None:
        self._answers.extend(buttons)
        self.watch()

    def watch(self) -> None:
        """Close every box that appears (recording it) without a particular answer."""
        if not self._watching:
            self._watching = True
            QTimer.singleShot(0, self._poll)

    def stop(self) -> None:
        self._watching = False

    def _poll(self) -> None:
        if not self._watching:
            return
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            self._click(box)
        QTimer.singleShot(POLL_MS, self._poll)

    def _click(self, box: QMessageBox) -> None:
        wanted = self._answers.popleft() if self._answers else None
        buttons = {_label(b): b for b in box.buttons()}
        button: QAbstractButton | None
        if wanted is None:
            button = box.escapeButton() or box.button(QMessageBox.StandardButton.Ok)
            button = button or next(iter(buttons.values()))
        else:
            button = buttons.get(wanted)
        self.shown.append(
            Shown(
                box.windowTitle(),
                box.text(),
                box.informativeText(),
                tuple(buttons),
                _label(button) if button is not None else f"<no {wanted!r} button>",
            )
        )
        if button is None:  # the asked-for button is missing: close it, the test fails
            box.reject()
        else:
            button.click()
