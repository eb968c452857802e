"""A button that opened a menu does not keep its hover outline once an item was picked
elsewhere: "+ Track" kept an orange border (its ``:hover`` look, never told the pointer
left while the menu had the mouse) beside the real focus ring — two rings at once."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from desktop_app.ui import theme
from desktop_app.ui.sequencer_panel import SequencerPanel
from tests.gui.pixels import grab, mask_of


def _accent_border_pixels(button) -> int:
    return int(mask_of(grab(button), theme.ACCENT, tolerance=30).sum())


def test_add_track_forgets_its_hover_after_its_menu(qtbot, parts):
    window = parts.window(qtbot)
    window.resize(1024, 640)
    window.show()
    qtbot.waitExposed(window)
    button = window.findChild(SequencerPanel).add_track_button
    # from elsewhere in the window onto the button, so that it hears the pointer enter
    QTest.mouseMove(window, QPoint(window.width() // 2, window.height() - 5))
    QCursor.setPos(button.mapToGlobal(button.rect().center()))
    QTest.mouseMove(button, button.rect().center())
    qtbot.waitUntil(lambda: _accent_border_pixels(button) > 40)  # hovered: the outline
    tracks = len(parts.sequencer.pattern.tracks)
    picked: list[bool] = []

    def pick() -> None:
        # The pointer moves onto an item and the item is picked, all while the menu has
        # the mouse. Under X11 the button hears nothing of the pointer leaving it and
        # stays "under the mouse"; the offscreen platform forgets that when the popup
        # opens, so the test puts back what a real X server leaves.
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        button.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, True)
        QCursor.setPos(menu.mapToGlobal(menu.actionGeometry(menu.actions()[0]).center()))
        QTest.keyClick(menu, Qt.Key.Key_Down)
        QTest.keyClick(menu, Qt.Key.Key_Return)
        picked.append(True)

    QTimer.singleShot(200, pick)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())
    qtbot.waitUntil(lambda: bool(picked) and QApplication.activePopupWidget() is None)
    assert len(parts.sequencer.pattern.tracks) == tracks + 1
    # The pointer is where the menu item was, not over the button any more.
    assert not button.rect().contains(button.mapFromGlobal(QCursor.pos()))
    qtbot.waitUntil(lambda: _accent_border_pixels(button) < 10, timeout=1000)
    assert not button.hasFocus()
