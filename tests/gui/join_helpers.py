"""Types into the real join dialog and clicks its Join button where it is painted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop_app.ui.join_dialog import JoinDialog


def click_join(qtbot, dialog: JoinDialog, text: str) -> None:
    dialog.invite.clear()
    QTest.keyClicks(dialog.invite, text)
    button = dialog.join_button
    qtbot.waitUntil(button.isVisible)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())
