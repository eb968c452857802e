"""Check boxes that show on the dark theme. Fusion outlines a check box in the window
colour made darker and fills it with the base colour: on our near-black panels an
unticked box (the invite dialog's "Let bandmates… join", a private thread's members) was
all but invisible. A proxy style draws just that indicator, everything else stays Fusion."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QWidget

from desktop_app.ui import theme

_CHECK_INK = "#1a1208"  # the dark ink on orange, as on selected menu items


class DarkIndicators(QProxyStyle):
    """Fusion, with a check box drawn in the theme's colours: a light outline when
    unticked, the accent filled with a dark tick when ticked, a dash when partly."""

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorCheckBox:
            draw_check_box(option, painter)
            return
        super().drawPrimitive(element, option, painter, widget)


def draw_check_box(option: QStyleOption, painter: QPainter) -> None:
    state = option.state
    enabled = bool(state & QStyle.StateFlag.State_Enabled)
    on = bool(state & QStyle.StateFlag.State_On)
    partly = bool(state & QStyle.StateFlag.State_NoChange)
    hover = bool(state & QStyle.StateFlag.State_MouseOver)
    keyboard_focus = bool(
        state & QStyle.StateFlag.State_HasFocus
        and state & QStyle.StateFlag.State_KeyboardFocusChange
    )
    side = min(option.rect.width(), option.rect.height()) - 1
    box = QRectF(0, 0, side, side)
    box.moveCenter(QRectF(option.rect).center())
    filled = on or partly
    if not enabled:
        fill, edge = (theme.BORDER if filled else theme.BG_RAISED), theme.BORDER
    elif filled:
        fill, edge = theme.ACCENT, theme.ACCENT_BRIGHT if hover or keyboard_focus else theme.ACCENT
    else:
        fill = theme.BG_RAISED
        edge = theme.ACCENT if hover or keyboard_focus else theme.TEXT_DIM
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(theme.color(edge), 1.0))
    painter.setBrush(theme.color(fill))
    painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 2.5, 2.5)
    ink = QPen(theme.color(theme.TEXT_FAINT if not enabled else _CHECK_INK), max(1.5, side / 7))
    ink.setCapStyle(Qt.PenCapStyle.RoundCap)
    ink.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(ink)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if on:
        tick = QPainterPath(QPointF(box.left() + side * 0.24, box.top() + side * 0.52))
        tick.lineTo(QPointF(box.left() + side * 0.43, box.top() + side * 0.71))
        tick.lineTo(QPointF(box.left() + side * 0.77, box.top() + side * 0.31))
        painter.drawPath(tick)
    elif partly:
        y = box.center().y()
        painter.drawLine(
            QPointF(box.left() + side * 0.27, y), QPointF(box.right() - side * 0.27, y)
        )
    painter.restore()
