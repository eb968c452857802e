"""The composer's text box: Enter sends the words, Shift+Enter starts a new line,
Ctrl+Enter sends the pattern (as the window's shortcut does everywhere else)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QSizePolicy, QWidget

from desktop_app.ui import theme

MAX_LINES = 5

# Short enough for one line at the narrowest window (it was cut in half at 1024 px); the
# keys are in the tooltip.
PLACEHOLDER = "Write a message…"
KEYS_TIP = "Enter sends · Shift+Enter: new line · Ctrl+Enter: send the pattern"


class ComposerText(QPlainTextEdit):
    """``submitted()``: Enter; ``patternSubmitted()``: Ctrl+Enter. Grows with its text
    up to ``MAX_LINES`` lines, then scrolls."""

    submitted = Signal()
    patternSubmitted = Signal()
    escaped = Signal()  # Esc: the composer takes back its attachments, then the reply

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composerText")
        self.setPlaceholderText(PLACEHOLDER)
        self.setToolTip(KEYS_TIP)
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setStyleSheet(
            f"QPlainTextEdit#composerText {{ background: {theme.BG_DEEP}; color: {theme.TEXT};"
            f" border: 1px solid {theme.BORDER}; border-radius: {theme.RADIUS}px;"
            " padding: 3px 6px; }"
            f"QPlainTextEdit#composerText:focus {{ border-color: {theme.ACCENT_DIM}; }}"
        )
        self.document().contentsChanged.connect(self._fit)
        self._fit()

    @property
    def text(self) -> str:
        return self.toPlainText()

    def _fit(self) -> None:
        lines = max(1, min(MAX_LINES, self.document().lineCount()))
        line = self.fontMetrics().lineSpacing()
        margins = self.contentsMargins()
        frame = int(self.document().documentMargin() * 2) + margins.top() + margins.bottom()
        self.setFixedHeight(lines * line + frame + 8)

    def event(self, event: QEvent) -> bool:
        # Ctrl+Enter is the window's Send shortcut; the box sends it on itself so the
        # pattern goes with the words typed here (the shortcut must not also fire).
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            elif mods & Qt.KeyboardModifier.ControlModifier:
                self.patternSubmitted.emit()
            else:
                self.submitted.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:  # takes back what waits with the words
            self.escaped.emit()
            event.accept()
            return
        super().keyPressEvent(event)
