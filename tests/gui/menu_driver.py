"""Chooses from a real context menu the way a person does: by clicking the item where the
menu paints it.

A menu opened by ``exec()`` runs its own event loop, so the test queues the choice before
the event that opens it; a chain of ``QTimer.singleShot`` calls waits for the popup.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

POLL_MS = 10


def choose_from_next_menu(text: str, seen: list[str]) -> None:
    """Click the item ``text`` of the next menu to open; ``seen`` gets every item's label.
    A menu without that item is closed, so the test fails on what it saw, not on a hang."""

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu) or not menu.isVisible():
            QTimer.singleShot(POLL_MS, pick)
            return
        labels = {a.text(): a for a in menu.actions() if a.text()}
        seen.extend(labels)
        action = labels.get(text)
        if action is None:
            menu.close()
            return
        QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())

    QTimer.singleShot(0, pick)
