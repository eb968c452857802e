"""A menu's action, made the same way by every menu: the File menu's (``main_window.py``,
``pattern_file_menu.py``), Export (``export_actions.py``) and Kit (``kit_actions.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


def menu_action(
    parent: QObject,
    text: str,
    slot: Callable[[], Any],
    tip: str = "",
    shortcut: QKeySequence.StandardKey | None = None,
) -> QAction:
    """``text`` calling ``slot``, ``tip`` on the status bar while it is hovered.
    ``shortcut`` is a standard key so each platform gets its own keys for it (none on
    some: callers that need one check ``shortcut().isEmpty()``)."""
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcuts(shortcut)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action
