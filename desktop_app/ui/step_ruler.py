"""Beat numbers and step ticks above the grid, scrolled with it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.grid_geometry import RULER_HEIGHT, GridMetrics


class StepRuler(QWidget):
    """Beat numbers and step ticks above the grid, following its horizontal scroll and
    its cell width (``set_metrics`` hands over the grid's)."""

    def __init__(self, state: SequencerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._metrics = GridMetrics()
        self._offset = 0
        self._current = state.current_step
        self.setFixedHeight(RULER_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        state.patternChanged.connect(self.update)
        state.currentStepChanged.connect(self._on_current_step)

    def set_offset(self, offset: int) -> None:
        """Horizontal scroll position of the grid, in pixels."""
        if offset != self._offset:
            self._offset = offset
            self.update()

    def set_metrics(self, metrics: GridMetrics) -> None:
        """The cell width and gaps the grid below paints with."""
        if metrics != self._metrics:
            self._metrics = metrics
            self.update()

    def _on_current_step(self, step: int) -> None:
        self._current = step
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self._metrics.content_width(self._state.pattern), RULER_HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = self._state.pattern
        spb = max(1, p.steps_per_beat)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), theme.color(theme.BG))
        painter.translate(-self._offset, 0)
        bold = QFont(self.font())
        bold.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        bold.setBold(True)
        painter.setFont(bold)
        h = self.height()
        cell = self._metrics.cell_width
        for step in range(p.length):
            x = self._metrics.step_x(p, step)
            if step == self._current:
                marker = QRectF(x, h - 5, cell, 3)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(theme.color(theme.PLAYHEAD))
                painter.drawRoundedRect(marker, 1.5, 1.5)
            if step % spb == 0:
                beat = step // spb + 1
                painter.setPen(theme.color(theme.TEXT if beat % 4 == 1 else theme.TEXT_DIM))
                painter.drawText(
                    QRectF(x, 0, cell * 2, h - 6),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    f" {beat}",
                )
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(theme.color(theme.TEXT_FAINT))
                painter.drawEllipse(QPointF(x + cell / 2, h / 2 - 3), 1.3, 1.3)
        painter.translate(self._offset, 0)
        painter.setPen(theme.color(theme.BORDER))
        painter.drawLine(0, h - 1, self.width(), h - 1)
