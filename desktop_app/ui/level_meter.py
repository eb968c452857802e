"""A segmented peak meter for the recording level, in dB like a mixer's.

Fed with linear peaks (0..1) ~30 times a second; the bar falls back gently instead of
flickering, and a peak marker holds for a moment so a clip is noticed.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.ui import theme

FLOOR_DB = -48.0
SEGMENTS = 24
FALL_DB_PER_SECOND = 36.0
PEAK_HOLD_SECONDS = 1.2
MID_DB = -12.0
HIGH_DB = -3.0


def to_db(level: float) -> float:
    return FLOOR_DB if level <= 0 else max(FLOOR_DB, 20.0 * math.log10(min(level, 1.0)))


def fraction(db: float) -> float:
    return (db - FLOOR_DB) / -FLOOR_DB


class LevelMeter(QWidget):
    """Horizontal meter; ``set_level(peak)`` with a linear 0..1 value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = FLOOR_DB
        self._peak_db = FLOOR_DB
        self._peak_time = 0.0
        self._last = time.monotonic()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(10)
        self.setToolTip("Recording level")

    def sizeHint(self) -> QSize:
        return QSize(140, 10)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, 10)

    @property
    def level_db(self) -> float:
        return self._db

    def set_level(self, level: float) -> None:
        now = time.monotonic()
        dt, self._last = now - self._last, now
        db = to_db(level)
        if level <= 0:
            self._db = FLOOR_DB  # idle or stopped: drop at once, no ghost level
            self._peak_db = FLOOR_DB
        else:
            self._db = max(db, self._db - FALL_DB_PER_SECOND * dt)
            if db >= self._peak_db or now - self._peak_time > PEAK_HOLD_SECONDS:
                self._peak_db, self._peak_time = db, now
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        w, h = self.width(), self.height()
        gap = 2.0
        seg_w = (w - gap * (SEGMENTS - 1)) / SEGMENTS
        lit = fraction(self._db) * SEGMENTS
        peak_index = int(fraction(self._peak_db) * SEGMENTS) - 1
        for i in range(SEGMENTS):
            seg_db = FLOOR_DB + (i + 1) / SEGMENTS * -FLOOR_DB
            tone = (
                theme.METER_HIGH
                if seg_db > HIGH_DB
                else theme.METER_MID
                if seg_db > MID_DB
                else theme.METER_LOW
            )
            on = i < lit or (i == peak_index and self._peak_db > FLOOR_DB)
            painter.setBrush(theme.color(tone) if on else theme.color(tone, 38))
            painter.drawRoundedRect(QRectF(i * (seg_w + gap), 0, seg_w, h), 1.5, 1.5)
