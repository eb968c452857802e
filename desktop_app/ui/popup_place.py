"""Where a small popup opens: under the point asked for, or above it when the screen ends
first (the last track of a window at the bottom of the screen opened its popups
off-screen), and never past the screen's sides."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def show_popup_at(popup: QWidget, where: QPoint, above: int | None = None) -> None:
    """Show ``popup`` at ``where`` (global), or ending at ``above`` when it would not fit
    under it; sized first, its style sheet's padding included."""
    popup.ensurePolished()
    popup.adjustSize()
    x, y = where.x(), where.y()
    screen = QGuiApplication.screenAt(where) or popup.screen()
    if screen is not None:
        room = screen.availableGeometry()
        if y + popup.height() > room.bottom() + 1:
            y = (above if above is not None else room.bottom() + 1) - popup.height()
        x = max(room.left(), min(x, room.right() + 1 - popup.width()))
        y = max(room.top(), y)
    popup.move(QPoint(x, y))
    popup.show()
