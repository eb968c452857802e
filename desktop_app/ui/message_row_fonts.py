"""The fonts a message row is painted with, all derived from the view's font so a larger
system font makes every part of a row larger together."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont

from desktop_app.ui import theme


@dataclass(frozen=True)
class RowFonts:
    body: QFont
    name: QFont  # the sender's name
    small: QFont  # the time, the quote, the "New" divider, a failure's reason
    button: QFont
    initial: QFont  # the letter in the avatar, the "!" of a failed send
    mono: QFont  # the player's clock

    @classmethod
    def from_base(cls, base: QFont) -> RowFonts:
        size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        name = QFont(base)
        name.setWeight(QFont.Weight.DemiBold)
        name.setPointSizeF(size)
        small = QFont(base)
        small.setPointSizeF(size * 0.88)
        button = QFont(base)
        button.setPointSizeF(size * 0.9)
        button.setWeight(QFont.Weight.DemiBold)
        initial = QFont(base)
        initial.setPointSizeF(size * 0.95)
        initial.setWeight(QFont.Weight.Bold)
        return cls(QFont(base), name, small, button, initial, theme.mono_font(size * 0.85))
