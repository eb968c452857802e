"""A miniature of a pattern's grid — tracks × steps, velocity as shade — for message rows.

Painted straight from the snapshot dict (no ``Pattern`` validation: a row must draw even a
snapshot from a newer app). Painting a 8×16 grid per row per frame is cheap but not free,
so ``PreviewCache`` keeps the finished pixmaps by message id and size, least recently used
out first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap

from desktop_app.ui import theme

MAX_VELOCITY = 127
OFF = 1000  # colour keys for empty cells (velocities are 1..127, negative when inaudible)
OFF_BEAT = 1001


@lru_cache(maxsize=512)
def _cell_colour(key: int) -> QColor:
    """Colour of a cell: ``key`` is the velocity (negative for a muted track) or OFF/OFF_BEAT."""
    if key == OFF:
        return QColor(theme.STEP_OFF)
    if key == OFF_BEAT:
        return QColor(theme.STEP_OFF_BEAT)
    t = 0.35 + 0.65 * abs(key) / MAX_VELOCITY
    c = theme.mix(theme.ACCENT_DIM, theme.ACCENT_BRIGHT, t)
    return c if key > 0 else theme.mix(c, theme.STEP_OFF, 0.65)


def _velocities(track: object, length: int) -> list[int]:
    steps = track.get("steps") if isinstance(track, Mapping) else None
    if not isinstance(steps, list):
        return [0] * length
    out = []
    for v in steps[:length]:
        out.append(int(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0)
    return out + [0] * (length - len(out))


def paint_pattern_preview(painter: QPainter, rect: QRectF, snapshot: Mapping[str, Any]) -> None:
    """Draw the grid of ``snapshot`` inside ``rect``: one row per track, one cell per step,
    on-steps in the accent shaded by velocity, the first step of every beat a little
    brighter so the bar's pulse reads at a glance, muted tracks faded."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(theme.BG_DEEP))
    painter.drawRoundedRect(rect, 4, 4)

    tracks = snapshot.get("tracks") if isinstance(snapshot, Mapping) else None
    tracks = tracks if isinstance(tracks, list) else []
    length = snapshot.get("length") if isinstance(snapshot, Mapping) else None
    if not isinstance(length, int) or length < 1:
        length = max(
            (len(t.get("steps", [])) for t in tracks if isinstance(t, Mapping)), default=16
        )
    length = max(1, min(64, length))
    spb = snapshot.get("steps_per_beat", 4)
    spb = spb if isinstance(spb, int) and spb > 0 else 4
    if not tracks:
        # A dropped audio file carries its name instead of a pattern; "empty pattern"
        # would read as if the sender had sent nothing.
        audio_only = isinstance(snapshot, Mapping) and isinstance(snapshot.get("filename"), str)
        painter.setPen(QColor(theme.TEXT_FAINT))
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignCenter, "audio file" if audio_only else "empty pattern"
        )
        painter.restore()
        return

    pad = 3.0
    inner = rect.adjusted(pad, pad, -pad, -pad)
    rows = len(tracks)
    gap = 1.0 if inner.width() / length > 3 else 0.0
    cell_w = (inner.width() - gap * (length - 1)) / length
    row_gap = 1.0 if inner.height() / rows > 3 else 0.0
    cell_h = (inner.height() - row_gap * (rows - 1)) / rows
    any_solo = any(isinstance(t, Mapping) and t.get("solo") for t in tracks)

    # Cells grouped by colour and drawn with one drawRects call per colour: a preview is
    # painted for every new row that scrolls into view, so this is on the hot path.
    groups: dict[int, list[QRectF]] = {}
    for r, track in enumerate(tracks):
        audible = True
        if isinstance(track, Mapping):
            audible = bool(track.get("solo")) if any_solo else not track.get("mute")
        y = inner.top() + r * (cell_h + row_gap)
        for s, vel in enumerate(_velocities(track, length)):
            if vel > 0:
                key = min(vel, MAX_VELOCITY) if audible else -min(vel, MAX_VELOCITY)
            else:
                key = OFF_BEAT if s % spb == 0 else OFF
            x = inner.left() + s * (cell_w + gap)
            groups.setdefault(key, []).append(QRectF(x, y, cell_w, cell_h))
    for key, rects in groups.items():
        painter.setBrush(_cell_colour(key))
        painter.drawRects(rects)
    painter.restore()


class PreviewCache:
    """Painted previews keyed by (message id, size, device pixel ratio); LRU-bounded."""

    def __init__(self, capacity: int = 512) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, int, int, float], QPixmap] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def pixmap(
        self, key: str, snapshot: Mapping[str, Any], size: QSize, dpr: float = 1.0
    ) -> QPixmap:
        k = (key, size.width(), size.height(), dpr)
        pix = self._items.get(k)
        if pix is not None:
            self._items.move_to_end(k)
            return pix
        pix = QPixmap(round(size.width() * dpr), round(size.height() * dpr))
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        paint_pattern_preview(painter, QRectF(0, 0, size.width(), size.height()), snapshot)
        painter.end()
        self._items[k] = pix
        if len(self._items) > self._capacity:
            self._items.popitem(last=False)
        return pix

    def invalidate(self, key: str | None = None) -> None:
        """Forget one message's previews (its snapshot changed) or all of them."""
        if key is None:
            self._items.clear()
            return
        for k in [k for k in self._items if k[0] == key]:
            del self._items[k]
