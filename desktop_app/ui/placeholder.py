"""The faint centred sentence an empty list shows instead of nothing ("No threads yet").

Wrapped in balanced lines rather than greedily: in a narrow list Qt's word wrap left one
word alone on the last line ("Press + to start / one."), which reads like a cut.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter

from desktop_app.ui import theme


def balanced_lines(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """``text``'s paragraphs (split at line breaks), each in as few lines as fit ``width``
    and, among those, the split whose longest line is shortest — so the lines of a
    paragraph come out about equally long. A word wider than ``width`` gets its own line
    (shortened with "…" when painted)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        lines.extend(_balanced(words, metrics, width))
    return lines


def _balanced(words: list[str], metrics: QFontMetrics, width: int) -> list[str]:
    def advance(first: int, end: int) -> int:
        return metrics.horizontalAdvance(" ".join(words[first:end]))

    count = len(words)
    # best[i]: (lines, longest line) for words[i:], and where its first line ends
    best: list[tuple[int, int]] = [(0, 0)] * (count + 1)
    cut = [count] * (count + 1)
    for start in range(count - 1, -1, -1):
        choice: tuple[int, int] | None = None
        for end in range(start + 1, count + 1):
            line = advance(start, end)
            if line > width and end > start + 1:
                break
            rest_lines, rest_longest = best[end]
            candidate = (rest_lines + 1, max(line, rest_longest))
            if choice is None or candidate < choice:
                choice, cut[start] = candidate, end
        assert choice is not None
        best[start] = choice
    lines, start = [], 0
    while start < count:
        lines.append(" ".join(words[start : cut[start]]))
        start = cut[start]
    return lines


def paint_placeholder(painter: QPainter, rect: QRect, text: str, margin: int) -> None:
    """``text`` in balanced lines in the middle of ``rect`` less ``margin`` on every side."""
    area = rect.adjusted(margin, margin, -margin, -margin)
    metrics = QFontMetrics(painter.font())
    lines = balanced_lines(text, metrics, area.width())
    shown = "\n".join(
        metrics.elidedText(line, Qt.TextElideMode.ElideRight, area.width())
        if metrics.horizontalAdvance(line) > area.width()
        else line
        for line in lines
    )
    painter.save()
    painter.setPen(QColor(theme.TEXT_FAINT))
    painter.drawText(area, Qt.AlignmentFlag.AlignCenter, shown)
    painter.restore()
