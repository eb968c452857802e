"""A compact fader for track volume and pan, painted to match the grid.

A drag is relative (grabbing the bar never jumps the value), Shift makes it fine, the wheel
nudges, a double-click resets to the default; given focus (``setFocusPolicy``: the
track header's and the mix popup's bars take it), the arrow keys nudge as the wheel does,
Page Up/Down in big steps, Home/End to the ends, Delete to the default.
``editStarted``/``editFinished`` bracket a gesture so the caller can make a whole drag —
or a quick burst of wheel notches — one undo step; ``valueEdited`` fires only for the
user's changes, never for ``set_value``, so a state → widget update can never echo back
as an edit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QRegion,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.ui import theme

WHEEL_SESSION_MS = 600


class TimedGesture:
    """Hands out the same gesture token for edits that follow each other quickly (spin box
    arrows, wheel notches), a new one after a pause."""

    def __init__(self, new_token: Callable[[], int], window_seconds: float = 0.8) -> None:
        self._new_token = new_token
        self._window = window_seconds
        self._token: int | None = None
        self._last = 0.0

    def token(self) -> int:
        now = time.monotonic()
        if self._token is None or now - self._last > self._window:
            self._token = self._new_token()
        self._last = now
        return self._token


PAN_STRIP = 2.5  # height of a bipolar bar's fill, px


class ValueBar(QWidget):
    """A horizontal bar from ``minimum`` to ``maximum``; bipolar bars fill from the centre."""

    valueEdited = Signal(float)
    editStarted = Signal()
    editFinished = Signal()

    def __init__(
        self,
        minimum: float = 0.0,
        maximum: float = 1.0,
        default: float = 0.8,
        *,
        bipolar: bool = False,
        formatter: Callable[[float], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._min, self._max = minimum, maximum
        self._default = default
        self._value = default
        self._bipolar = bipolar
        self._format = formatter or (lambda v: f"{round(v * 100)}%")
        self._drag_x: float | None = None
        self._drag_value = 0.0
        self._wheel_timer = QTimer(self)
        self._wheel_timer.setSingleShot(True)
        self._wheel_timer.setInterval(WHEEL_SESSION_MS)
        self._wheel_timer.timeout.connect(self.editFinished.emit)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(20)
        self.setCursor(Qt.CursorShape.SizeHorCursor)
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.78))
        self.setFont(small)

    def value(self) -> float:
        return self._value

    def set_value(self, value: float) -> None:
        """Programmatic update (from the state): repaints, emits nothing."""
        value = min(self._max, max(self._min, float(value)))
        if value != self._value:
            self._value = value
            self.update()
            self.setToolTip(self._format(value))

    def sizeHint(self) -> QSize:
        return QSize(64, 20)

    def minimumSizeHint(self) -> QSize:
        return QSize(32, 20)

    # ---- interaction -----------------------------------------------------------------
    def _edit(self, value: float) -> None:
        value = min(self._max, max(self._min, value))
        if value != self._value:
            self._value = value
            self.update()
            self.valueEdited.emit(value)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._drag_x = event.position().x()
        self._drag_value = self._value
        self.editStarted.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_x is None:
            return
        span = self._max - self._min
        fine = 5.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
        dx = event.position().x() - self._drag_x
        self._edit(self._drag_value + dx / max(1, self.width()) * span / fine)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_x is not None:
            self._drag_x = None
            self.editFinished.emit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.editStarted.emit()
        self._edit(self._default)
        self.editFinished.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            event.ignore()
            return
        self._nudge(self._value + (delta / 120.0) * self._step(event.modifiers()))
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        span = self._max - self._min
        step = self._step(event.modifiers())
        key = event.key()
        targets = {
            Qt.Key.Key_Right: self._value + step,
            Qt.Key.Key_Up: self._value + step,
            Qt.Key.Key_Left: self._value - step,
            Qt.Key.Key_Down: self._value - step,
            Qt.Key.Key_PageUp: self._value + span * 0.2,
            Qt.Key.Key_PageDown: self._value - span * 0.2,
            Qt.Key.Key_Home: self._min,
            Qt.Key.Key_End: self._max,
            Qt.Key.Key_Delete: self._default,
            Qt.Key.Key_Backspace: self._default,
        }
        if key not in targets:
            super().keyPressEvent(event)
            return
        self._nudge(targets[Qt.Key(key)])
        event.accept()

    def _step(self, modifiers: Qt.KeyboardModifier) -> float:
        """A notch or an arrow press: 5 % of the range, 1 % with Shift held."""
        fine = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        return (self._max - self._min) * (0.01 if fine else 0.05)

    def _nudge(self, value: float) -> None:
        """A burst of notches or key presses is one gesture: it ends when they pause."""
        if not self._wheel_timer.isActive():
            self.editStarted.emit()
        self._wheel_timer.start()
        self._edit(value)

    # ---- painting --------------------------------------------------------------------
    def _fraction(self, value: float) -> float:
        return (value - self._min) / (self._max - self._min)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(0.5, 2.5, -0.5, -2.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color(theme.BG_DEEP))
        painter.drawRoundedRect(r, 3, 3)
        inner = r.adjusted(1, 1, -1, -1)
        x_value = inner.left() + inner.width() * self._fraction(self._value)
        x_from = inner.left() + inner.width() * (self._fraction(0.0) if self._bipolar else 0.0)
        # A bipolar bar (pan) fills only a strip along its bottom edge, under its text: a
        # narrow full-height fill near the centre stood between the letters ("R1|0").
        fill_top = inner.bottom() - PAN_STRIP if self._bipolar else inner.top()
        fill = QRectF(
            QPointF(min(x_from, x_value), fill_top),
            QPointF(max(x_from, x_value), inner.bottom()),
        )
        enabled = self.isEnabled()
        painter.setBrush(theme.color(theme.ACCENT if enabled else theme.BORDER, 120))
        painter.drawRoundedRect(fill, 2, 2)
        # Where the value's text is, the handle and the centre marks are left out (the
        # fill's edge still shows the value): drawn through the text they read as part of
        # it ("9|5%", "R1|0"), and stubs above and below it as accents.
        text = self._format(self._value)
        fm = self.fontMetrics()
        line = QRectF(0, 0, fm.horizontalAdvance(text), fm.height())
        line.moveCenter(r.center())  # where AlignCenter puts the line of text
        glyphs = QRectF(fm.tightBoundingRect(text)).translated(
            line.left(), line.top() + fm.ascent()
        )
        painter.save()
        band = QRectF(glyphs.left() - 2, 0, glyphs.width() + 4, self.height())
        painter.setClipRegion(QRegion(self.rect()).subtracted(QRegion(band.toAlignedRect())))
        if self._bipolar and abs(x_value - x_from) >= 1:
            # the centre marks, only when off centre: at centre they would sit under the
            # label's "C" and read as a cedilla
            painter.setBrush(theme.color(theme.TEXT_FAINT))
            painter.drawRect(QRectF(x_from - 0.5, inner.top(), 1, 3))
            painter.drawRect(QRectF(x_from - 0.5, inner.bottom() - 3, 1, 3))
        if not (self._bipolar and abs(x_value - x_from) < 1):
            painter.setBrush(theme.color(theme.ACCENT_BRIGHT if enabled else theme.TEXT_FAINT))
            painter.drawRoundedRect(QRectF(x_value - 1, inner.top(), 2, inner.height()), 1, 1)
        painter.restore()
        # the value with a dark halo, so it stays legible wherever the fill edge is
        painter.setPen(theme.color(theme.BG_DEEP, 200))
        for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            painter.drawText(r.translated(dx, dy), Qt.AlignmentFlag.AlignCenter, text)
        painter.setPen(theme.color(theme.TEXT))
        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
        if self.hasFocus():
            painter.setPen(theme.color(theme.ACCENT_BRIGHT))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(r, 3, 3)


def edit_in_gestures(
    bar: ValueBar, new_gesture: Callable[[], int], apply: Callable[[float, int | None], None]
) -> None:
    """Connect ``bar`` so that each drag or burst of keys is one undo step: ``apply(value,
    gesture)`` gets one gesture id from ``new_gesture`` between ``editStarted`` and
    ``editFinished`` (``None`` for an edit outside one)."""
    gesture: list[int | None] = [None]

    def begin() -> None:
        gesture[0] = new_gesture()

    def end() -> None:
        gesture[0] = None

    bar.editStarted.connect(begin)
    bar.editFinished.connect(end)
    bar.valueEdited.connect(lambda value: apply(value, gesture[0]))
