"""A message's words as painted in its row: wrapped plain text with clickable links.

One ``QTextLayout`` serves painting, the row's height and hit testing (which link is under
the mouse), so a link is clickable exactly where it is drawn. The text is set as plain text
— nothing in it is ever read as HTML — and links are found by a pattern, not by markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QPainter, QTextCharFormat, QTextLayout, QTextOption

URL_PATTERN = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]}]", re.IGNORECASE)


def find_links(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` of each web address; "www." ones get ``https://``."""
    links = []
    for match in URL_PATTERN.finditer(text):
        url = match.group(0)
        if url.lower().startswith("www."):
            url = "https://" + url
        links.append((match.start(), match.end(), url))
    return links


@dataclass
class TextBlock:
    """The laid out words at one width; ``height`` in px, ``link_at(point)`` relative to
    the block's top-left corner."""

    layout: QTextLayout
    links: list[tuple[int, int, str]]
    height: float

    def draw(self, painter: QPainter, top_left: QPointF, colour: QColor) -> None:
        painter.setPen(colour)
        self.layout.draw(painter, top_left)

    def link_at(self, point: QPointF) -> str | None:
        for i in range(self.layout.lineCount()):
            line = self.layout.lineAt(i)
            if line.y() <= point.y() < line.y() + line.height():
                if point.x() > line.naturalTextWidth():
                    return None
                pos = line.xToCursor(point.x(), line.CursorPosition.CursorOnCharacter)
                return next((url for start, end, url in self.links if start <= pos < end), None)
        return None


def lay_out(text: str, font: QFont, width: float, link_colour: QColor) -> TextBlock:
    # A line break is U+2028 to QTextLayout; same length, so link offsets still hold.
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    links = find_links(text)
    formats = []
    for start, end, _url in links:
        fmt = QTextCharFormat()
        fmt.setForeground(link_colour)
        fmt.setFontUnderline(True)
        span = QTextLayout.FormatRange()
        span.start, span.length, span.format = start, end - start, fmt
        formats.append(span)
    layout.setFormats(formats)
    layout.beginLayout()
    y = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(1.0, width))
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    return TextBlock(layout, links, y)
