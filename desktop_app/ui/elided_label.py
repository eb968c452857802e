"""A one-line label that shortens its text with "…" instead of growing or being cut.

A plain ``QLabel`` asks for its whole text's width as its minimum, so a long status
("Take ready to send · 320 kbps MP3, 0.1 MB") widened the toolbar and moved everything
next to it; squeezed anyway, it was cut mid-letter. This one asks for nothing and shows
what fits, the whole text in its tooltip.

With ``lines=2`` it wraps at word boundaries onto a second line before shortening
anything, and always keeps the room of both lines (so a longer text moves nothing below
it): the transport's status, which had 136 px in a 760 px window and showed "Take rea…".
"""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyle, QStyleOption, QWidget

_NUMBER = re.compile(r"[\d.,:]+")


class ElidedLabel(QLabel):
    """``ElidedLabel(text="", parent=None, *, lines=1)``: plain text, on one line (or
    ``lines``, wrapped at spaces), elided at the right of the last."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, lines: int = 1) -> None:
        super().__init__(text, parent)
        self._lines = max(1, lines)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def _height(self) -> int:
        if self._lines == 1:
            return super().sizeHint().height()
        fm = self.fontMetrics()
        margins = self.contentsMargins()
        return fm.lineSpacing() * (self._lines - 1) + fm.height() + margins.top() + margins.bottom()

    def minimumSizeHint(self) -> QSize:
        if self._lines == 1:
            return QSize(0, super().minimumSizeHint().height())
        return QSize(0, self._height())

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self.text()), self._height())

    def shown_lines(self) -> list[str]:
        """What is painted, line by line: whole words while they fit, the last line
        shortened with "…" when the rest does not."""
        return _wrap(self.text(), self.fontMetrics(), self.contentsRect().width(), self._lines)

    def whole_width(self, text: str) -> int:
        """The narrowest contents width at which ``text`` shows whole (on at most this
        label's lines): what a layout must leave it for nothing to be shortened."""
        fm = self.fontMetrics()
        low, high = 1, max(1, fm.horizontalAdvance(text))
        while low < high:  # the narrowest width whose lines hold every word
            mid = (low + high) // 2
            if " ".join(_wrap(text, fm, mid, self._lines)) == text:
                high = mid
            else:
                low = mid + 1
        return high

    def elided_text(self) -> str:
        """What is painted: the text, shortened to the label's width (its lines joined
        by line breaks when it has more than one)."""
        return "\n".join(self.shown_lines())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        # a style sheet's background and border (a reply quote's bar) are painted too
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        self.drawFrame(painter)
        rect = self.contentsRect()
        if self._lines > 1:  # the lines as a block, placed as the alignment says
            shown = self.shown_lines()
            fm = self.fontMetrics()
            block = fm.lineSpacing() * (len(shown) - 1) + fm.height()
            if self.alignment() & Qt.AlignmentFlag.AlignVCenter:
                rect.setTop(rect.top() + (rect.height() - block) // 2)
            elif self.alignment() & Qt.AlignmentFlag.AlignBottom:
                rect.setTop(rect.bottom() + 1 - block)
            rect.setHeight(block)
            align = (self.alignment() & Qt.AlignmentFlag.AlignHorizontal_Mask) | (
                Qt.AlignmentFlag.AlignTop
            )
            self.style().drawItemText(
                painter, rect, int(align), option.palette, self.isEnabled(),
                "\n".join(shown), self.foregroundRole(),
            )  # fmt: skip
        else:
            self.style().drawItemText(
                painter, rect, int(self.alignment()), option.palette,
                self.isEnabled(), self.elided_text(), self.foregroundRole(),
            )  # fmt: skip
        painter.end()


def _wrap(text: str, fm: QFontMetrics, width: int, most: int) -> list[str]:
    """``text`` in at most ``most`` lines of ``width``: whole words while they fit, the
    last line shortened with "…" when the rest does not."""
    lines: list[str] = []
    words: list[str] = []
    for word in text.split(" "):  # a number stays with its unit ("320 kbps")
        if words and _NUMBER.fullmatch(words[-1]):
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    while words and len(lines) < most - 1:
        line = words.pop(0)
        while words and fm.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        if fm.horizontalAdvance(line) > width:  # one word wider than the label
            words.insert(0, line)
            break
        lines.append(line)
    if words or not lines:
        rest = " ".join(words)
        lines.append(fm.elidedText(rest, Qt.TextElideMode.ElideRight, width))
    return lines
