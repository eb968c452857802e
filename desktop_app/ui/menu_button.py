"""A button that pops up a menu must not keep looking hovered once the menu is gone.

While a popup menu is open it has the mouse, so the button that opened it never hears
that the pointer left it: Qt keeps the button "under the mouse", and its ``:hover`` style
(an accent border) stayed after an item was picked — an orange outline that looked like a
second keyboard-focus ring beside the real one. When the menu closes, a button the
pointer is no longer over is told so.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QAbstractButton, QApplication, QMenu
from shiboken6 import Shiboken


def forget_hover_when_closed(button: QAbstractButton, menu: QMenu) -> None:
    """After ``menu`` hides (an item picked, Escape, a click elsewhere), drop the
    button's hover unless the pointer is really over it."""

    def check() -> None:
        if not Shiboken.isValid(button) or not button.underMouse():
            return
        if button.rect().contains(button.mapFromGlobal(QCursor.pos())):
            return
        button.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, False)
        QApplication.sendEvent(button, QEvent(QEvent.Type.Leave))
        button.update()

    # after the menu's own closing work (the button's release, the action's slot)
    menu.aboutToHide.connect(lambda: QTimer.singleShot(0, check))
