"""How one grid cell looks: off, lit by its velocity, heard now, hovered, and the keyboard
cursor around it. Pure painting, so the grid widget keeps only state and gestures."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from desktop_app.domain.track import VELOCITY_MAX
from desktop_app.ui import theme


def velocity_color(velocity: int, base: str = theme.STEP_OFF) -> QColor:
    """The shade of a lit step: dim for ghost notes, full accent for accents."""
    t = velocity / VELOCITY_MAX
    return theme.mix(theme.mix(base, theme.ACCENT_DIM, 1.0), theme.ACCENT_BRIGHT, t**0.8)


def paint_cell(
    painter: QPainter, rect: QRectF, velocity: int, *, playing: bool, on_beat: bool,
    hovered: bool,
) -> None:  # fmt: skip
    if velocity:
        fill = velocity_color(velocity)
        if playing:
            fill = theme.mix(fill, "#ffffff", 0.45)
    else:
        fill = theme.color(theme.STEP_OFF_BEAT if on_beat else theme.STEP_OFF)
        if playing:
            fill = theme.mix(fill, theme.PLAYHEAD, 0.22)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, theme.RADIUS, theme.RADIUS)
    if velocity:
        # a lit pad: brighter top edge, like light on a rubber pad
        top = QRectF(rect.left() + 3, rect.top() + 2, rect.width() - 6, 2)
        painter.setBrush(theme.color("#ffffff", 40 + velocity // 3))
        painter.drawRoundedRect(top, 1, 1)
    if hovered:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(theme.color(theme.TEXT, 150), 1.2))
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), theme.RADIUS, theme.RADIUS)


def paint_velocity(painter: QPainter, rect: QRectF, velocity: int, font: QFont) -> None:
    """The number inside a cell (while its velocity is dragged, or under the cursor)."""
    painter.setPen(theme.color("#1a1208" if velocity > 40 else theme.TEXT))
    painter.setFont(font)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(velocity))


def paint_cursor(painter: QPainter, rect: QRectF) -> None:
    """The keyboard cursor: a ring around its cell, drawn only while the grid has the
    keyboard focus, so it doubles as the grid's focus indicator."""
    ring = rect.adjusted(-2.5, -2.5, 2.5, 2.5)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(theme.color(theme.TEXT), 2.0))
    painter.drawRoundedRect(ring, theme.RADIUS + 2, theme.RADIUS + 2)
    painter.setPen(QPen(theme.color(theme.ACCENT_BRIGHT), 1.0))
    painter.drawRoundedRect(ring.adjusted(-1.5, -1.5, 1.5, 1.5), theme.RADIUS + 3,
                            theme.RADIUS + 3)  # fmt: skip
