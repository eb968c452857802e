"""Answers real modal dialogs the way a person would: message boxes by clicking one of
their buttons, text prompts (``QInputDialog``) by typing into them and pressing OK.

A test queues the answers before the call that opens the dialog; a chain of
``QTimer.singleShot`` calls waits for ``QApplication.activeModalWidget()`` to be such a
dialog, records what it said and answers it. Nothing about the
dialog is replaced, so a dialog that cannot be built (a button that does not exist in this
Qt) fails the test the way it fails the user.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QInputDialog,
    QLineEdit,
    QMessageBox,
)

POLL_MS = 10


@dataclass(frozen=True)
class Shown:
    """What one message box said, and which button was clicked."""

    title: str
    text: str
    informative: str
    buttons: tuple[str, ...]
    clicked: str


@dataclass(frozen=True)
class Prompt:
    """What one text prompt asked, the text it offered, and how it was answered."""

    title: str
    label: str
    initial: str
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
        self.prompts: list[Prompt] = []
        self._answers: deque[str | None] = deque()
        self._texts: deque[str | None] = deque()
        self._watching = False

    def type_text(self, *texts: str | None) -> None:
        """Answer the next text prompts: type each text and press OK; None presses Cancel."""
        self._texts.extend(texts)
        self.watch()

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
        elif isinstance(box, QInputDialog) and box.isVisible():
            self._type(box)
        QTimer.singleShot(POLL_MS, self._poll)

    def _type(self, prompt: QInputDialog) -> None:
        text = self._texts.popleft() if self._texts else None
        buttons = prompt.findChild(QDialogButtonBox)
        assert buttons is not None
        button = buttons.button(
            QDialogButtonBox.StandardButton.Ok
            if text is not None
            else QDialogButtonBox.StandardButton.Cancel
        )
        self.prompts.append(
            Prompt(prompt.windowTitle(), prompt.labelText(), prompt.textValue(), _label(button))
        )
        if text is not None:
            field = prompt.findChild(QLineEdit)
            assert field is not None
            field.selectAll()
            QTest.keyClicks(field, text)
        button.click()

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
