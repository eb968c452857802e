"""A track's name in its header: reads like a label, a double-click edits it.

Kept apart from the header's faders and buttons: how a name is shown (elided, whole in
the tooltip) and edited changes for reasons of its own.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QLineEdit, QStyle, QStyleOptionFrame, QWidget

from desktop_app.ui import theme

_NAME_SHEET = f"""
QLineEdit {{ background: transparent; border: 1px solid transparent; color: {theme.TEXT};
    padding: 0 2px; selection-background-color: {theme.ACCENT}; }}
QLineEdit[editing="true"] {{ background: {theme.BG_DEEP}; border-color: {theme.ACCENT}; }}
"""


class NameEdit(QLineEdit):
    """Reads like a label; a double-click makes it editable. Enter or leaving commits,
    Escape cancels. A name wider than the header ends in "…" while it is not edited (a
    line edit cuts it mid-letter: Hydrogen's "Hat Semi-Open" read "Hat Semi-Oper");
    ``name`` is always the whole name. Tab reaches it (a click does not focus it: it is a
    label until double-clicked), and Enter or F2 there starts editing; keys it does not
    use while it reads as a label (Space, R) stay the window's shortcuts."""

    committed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._before = ""
        self._full = ""
        self.setStyleSheet(_NAME_SHEET)
        self.setFrame(False)
        self._set_editing(False)
        self.returnPressed.connect(self._commit)

    @property
    def editing(self) -> bool:
        return not self.isReadOnly()

    def _set_editing(self, editing: bool) -> None:
        self.setReadOnly(not editing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if editing else Qt.FocusPolicy.TabFocus)
        self.setCursor(Qt.CursorShape.IBeamCursor if editing else Qt.CursorShape.ArrowCursor)
        self.setProperty("editing", editing)
        self.style().unpolish(self)
        self.style().polish(self)

    @property
    def name(self) -> str:
        return self._full

    def _show_name(self) -> None:
        """The whole name, or as much as fits and "…" (only while not editing)."""
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        room = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, self)
        width = room.width() - 4  # QLineEdit keeps 2 px of its own on each side
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))
        self.setCursorPosition(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self.editing:
            self._show_name()

    def start_editing(self) -> None:
        self._before = self._full
        self.setText(self._full)
        self._set_editing(True)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.selectAll()

    def set_name(self, name: str) -> None:
        if not self.editing:
            self._full = name
            self._show_name()
            self.setToolTip(f"{name} — double-click to rename")

    def _commit(self) -> None:
        if not self.editing:
            return
        self._set_editing(False)
        text = self.text().strip()
        self._full = text if text else self._before
        self._show_name()
        if text and text != self._before:
            self.committed.emit(text)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.editing:
            super().mousePressEvent(event)
        else:
            event.ignore()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.editing:
            super().mouseMoveEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.editing:
            super().mouseDoubleClickEvent(event)
        else:
            self.start_editing()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and not self.editing:
            return False  # a label: Space plays, R records
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.editing and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
            self.start_editing()
            return
        if self.editing and event.key() == Qt.Key.Key_Escape:
            self.setText(self._before)
            self._commit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._commit()
