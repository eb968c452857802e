"""What a file manager's drag does in a test: it arrives over a point of the shown window
and is released there. The events go to the widget painted at that point and travel up
to the first that takes them, as Qt delivers a real drag."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def drop_files_at(root: QWidget, at: QPoint, files: list[Path]) -> tuple[bool, bool]:
    """Drag ``files`` in and release them at ``at`` (in ``root``'s pixels); whether the
    arrival and the release were accepted (a refused arrival is not released)."""
    target = root.childAt(at) or root
    local = target.mapFrom(root, at)
    mime = QMimeData()  # the events do not own it: it lives until both are delivered
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(local, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False, False
    drop = QDropEvent(QPointF(local), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, drop)
    return True, drop.isAccepted()


def middle_of(root: QWidget, widget: QWidget) -> QPoint:
    """The middle of ``widget``, in ``root``'s pixels."""
    return widget.mapTo(root, widget.rect().center())
