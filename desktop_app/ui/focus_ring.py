"""A visible keyboard-focus ring around whichever control has the focus.

The dark theme's style sheets restyle buttons, spin boxes and lists, and a widget with a
style sheet no longer draws the style's own (already faint) focus rectangle — tabbing
through the window changed almost nothing on screen. Rather than a ``:focus`` rule in
every sheet (and every future one), one ``QFocusFrame`` follows the focus: Qt keeps it
beside the focused widget (same parent, so it scrolls and clips with it) and out of the
way of the mouse; it only has to be painted in the accent colour.

Custom-painted widgets that need more than a ring (the step grid's cursor, the current
message row) paint their own indicator in addition; the lists, which fill their column
edge to edge, paint the ring inside themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt
from PySide6.QtGui import QFocusEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractItemView, QApplication, QFocusFrame, QWidget
from shiboken6 import Shiboken

from desktop_app.ui import theme

RING_WIDTH = 2.0


class FocusRing(QFocusFrame):
    """The frame itself: a rounded accent outline hugging the widget's edge."""

    def paintEvent(self, event: QPaintEvent) -> None:
        widget = self.widget()
        if widget is None:
            return
        painter = QPainter(self)
        paint_inner_ring(painter, self.rect())
        painter.end()


def paint_inner_ring(painter: QPainter, rect: QRect) -> None:
    """The same ring drawn just inside ``rect``: for the lists, which fill their column
    edge to edge, so a ring outside them would be hidden under their neighbours."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(theme.color(theme.ACCENT), RING_WIDTH))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    half = RING_WIDTH / 2
    painter.drawRoundedRect(QRectF(rect).adjusted(half, half, -half, -half), 4, 4)
    painter.restore()


if TYPE_CHECKING:
    _ItemView = QAbstractItemView
else:
    _ItemView = object  # a mixin: the Qt class comes after it in the subclass's bases


class RingInside(_ItemView):
    """Mixin (before the Qt class) for item views that paint ``paint_inner_ring`` while
    they have the focus: the viewport is repainted when the focus comes and goes."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.viewport().update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.viewport().update()


def wants_ring(widget: QWidget | None) -> bool:
    """Windows and popups (menus, combo lists) show focus their own way, and item views
    paint theirs inside (``paint_inner_ring``)."""
    return (
        widget is not None
        and not widget.isWindow()
        and widget.parentWidget() is not None
        and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not isinstance(widget, QAbstractItemView)
    )


class FocusRingFollower(QObject):
    """Moves one ``FocusRing`` to every newly focused widget of the application.

    The ring is a child of the focused widget's parent, so it dies with that parent (a
    track removed with its buttons); a new ring is made when that happened.

    ``start_quietly(widget)`` puts the window's first focus on ``widget`` without a ring:
    nobody used the keyboard yet, so a ring there (Qt's default pick was the first button
    of the toolbar) only looks like a stuck selection. It shows as soon as a key is pressed
    there or the focus moves on (Tab, a click).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ring: FocusRing | None = None
        self._quiet: QWidget | None = None  # focused at start, no ring until the keyboard
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
            self._on_focus_changed(None, app.focusWidget())

    @property
    def ring(self) -> FocusRing | None:
        ring = self._ring
        return ring if ring is not None and Shiboken.isValid(ring) else None

    def start_quietly(self, widget: QWidget) -> None:
        """``widget`` gets the focus when its window is first activated, with no ring."""
        self._quiet = widget
        widget.installEventFilter(self)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if widget.hasFocus():  # the window was active already
            self._on_focus_changed(None, widget)

    def _end_quiet(self) -> None:
        quiet, self._quiet = self._quiet, None
        if quiet is not None and Shiboken.isValid(quiet):
            quiet.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._quiet and event.type() == QEvent.Type.KeyPress:
            self._end_quiet()  # the keyboard is in use: the focus shows from now on
            self._on_focus_changed(None, QApplication.focusWidget())
        return False

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        ring = self.ring
        if new is not None and new is not self._quiet:
            self._end_quiet()
        if new is None or new is self._quiet or not wants_ring(new):
            if ring is not None:
                ring.setWidget(None)  # type: ignore[arg-type]  # Qt takes nullptr: no widget
            return
        if ring is None:
            # parented from Python so that Qt, not Python, owns it from the start
            ring = self._ring = FocusRing(new.parentWidget())
        ring.setWidget(new)
