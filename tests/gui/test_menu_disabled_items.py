"""A disabled menu item looks disabled: the theme's ``QMenu { color: ... }`` painted every
item in the normal text colour, so "Built-in sound" on a track that plays the kit's sound
(and every other disabled entry) looked as clickable as the rest."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from desktop_app.ui import theme
from tests.gui.pixels import grab


def _brightest_text(pixels: np.ndarray, menu: QMenu, action: QAction) -> int:
    r = menu.actionGeometry(action)
    return int(pixels[r.top() : r.bottom() + 1, r.left() : r.right() + 1].max())


def test_a_disabled_item_is_painted_fainter_than_an_enabled_one(qtbot):
    menu = QMenu()
    qtbot.addWidget(menu)
    menu.setPalette(theme.dark_palette())
    menu.setStyleSheet(theme.STYLE_SHEET)
    enabled = menu.addAction("Sample…")
    disabled = menu.addAction("Built-in sound")
    disabled.setEnabled(False)
    menu.popup(menu.mapToGlobal(menu.pos()))
    qtbot.waitExposed(menu)
    pixels = grab(menu)
    on, off = _brightest_text(pixels, menu, enabled), _brightest_text(pixels, menu, disabled)
    assert on > 200  # theme.TEXT
    assert off < 140, f"the disabled item is painted as bright as text ({off})"  # TEXT_FAINT
    menu.hide()
