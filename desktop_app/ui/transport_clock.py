"""The transport's clock: "bars.beats · m:ss.s" while playing or recording, the take's
length at rest, in a width that does not change as it counts.

It grew wider as it counted ("2.1 · 0:02.0", "12.3 · 1:23.4") and took its room from
the status beside it, which then lost the end of "Take ready to send · 320 kbps MP3,
0.1 MB" at 760 and 1520 px. Now the transport gives it a fixed width (``set_room``) and
the clock picks the largest font, up to its normal size, at which its widest usual text
fits; a text wider still (bar 100, ten minutes in) gets a smaller font, never a cut.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QWidget

FULL_PX = 17  # the clock's normal size (the transport's style sheet)
SMALLEST_PX = 10
WIDEST_USUAL = "00.0 · 0:00.0"  # bars.beats up to 99, under ten minutes
MARGIN = 2  # the mono font's digits touch the advance; keep a pixel each side


def text_width(font: QFont, px: int, text: str) -> int:
    sized = QFont(font)
    sized.setPixelSize(px)
    return QFontMetrics(sized).horizontalAdvance(text) + MARGIN


class TransportClock(QLabel):
    """``TransportClock(text, parent)``; ``set_room(width)`` fixes its width."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._room = 0
        self._px = FULL_PX
        self._usual_px = FULL_PX  # the size at which its widest usual text fits the room

    def natural_width(self) -> int:
        """The width of its widest usual text at the normal size."""
        return text_width(self.font(), FULL_PX, WIDEST_USUAL)

    def set_room(self, width: int) -> None:
        if width != self._room:
            self._room = width
            self.setFixedWidth(width)
            self._usual_px = self._largest_fitting(WIDEST_USUAL, FULL_PX)
            self._show_at(self._largest_fitting(self.text(), self._usual_px))

    @property
    def pixel_size(self) -> int:
        return self._px

    def setText(self, text: str) -> None:
        super().setText(text)
        if self._room:
            self._show_at(self._largest_fitting(text, self._usual_px))

    def _largest_fitting(self, text: str, largest: int) -> int:
        px = largest
        while px > SMALLEST_PX and text_width(self.font(), px, text) > self._room:
            px -= 1
        return px

    def _show_at(self, px: int) -> None:
        if px != self._px:
            self._px = px
            # the widget's own sheet wins over the transport's "font-size: 17px"
            self.setStyleSheet(f"font-size: {px}px;")
