"""A one-line label that shortens its text with "…" instead of growing or being cut.

A plain ``QLabel`` asks for its whole text's width as its minimum, so a long status
("Take ready to send · 320 kbps MP3, 0.1 MB") widened the toolbar and moved everything
next to it; squeezed anyway, it was cut mid-letter. This one asks for nothing and shows
what fits, the whole text in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyle, QStyleOption, QWidget


class ElidedLabel(QLabel):
    """``ElidedLabel(text="", parent=None)``: plain text, one line, elided at the right."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self.text()), super().sizeHint().height())

    def elided_text(self) -> str:
        """What is painted: the text, shortened to the label's width."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        # a style sheet's background and border (a reply quote's bar) are painted too
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        self.drawFrame(painter)
        self.style().drawItemText(
            painter, self.contentsRect(), int(self.alignment()), option.palette,
            self.isEnabled(), self.elided_text(), self.foregroundRole(),
        )  # fmt: skip
        painter.end()
