"""The faint centred sentence an empty list shows instead of nothing ("No threads yet")."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter

from desktop_app.ui import theme


def paint_placeholder(painter: QPainter, rect: QRect, text: str, margin: int) -> None:
    """``text`` word-wrapped in the middle of ``rect`` less ``margin`` on every side."""
    painter.save()
    painter.setPen(QColor(theme.TEXT_FAINT))
    painter.drawText(
        rect.adjusted(margin, margin, -margin, -margin),
        Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
        text,
    )
    painter.restore()
