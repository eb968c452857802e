"""Where the grid's rows and step columns fall, in pixels.

Rows have a fixed height; columns scale with the room the grid has. ``GridMetrics``
holds one choice of cell width and gaps: the grid picks it from its width, and the ruler
above it is handed the same value, so columns line up across the widgets. Rows line up
with the track headers beside the grid through ``row_y``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect

from desktop_app.domain.pattern import Pattern

ROW_HEIGHT = 38
TOP_PADDING = 6
BOTTOM_PADDING = 6
RULER_HEIGHT = 24
CELL_ROW_GAP = 4  # space between the pads of two rows (rows keep their height)

MAX_CELL_WIDTH = 30
# Narrower pads are hard to hit and leave no room for a velocity number: below this the
# grid keeps its cells and scrolls instead.
MIN_CELL_WIDTH = 14


@dataclass(frozen=True)
class GridMetrics:
    """Cell width and the spaces around cells, for one width of the grid."""

    cell_width: int = MAX_CELL_WIDTH
    cell_gap: int = 4
    beat_gap: int = 8  # extra space between beat groups
    left_padding: int = 10
    right_padding: int = 10

    @classmethod
    def for_cell_width(cls, cell_width: int) -> GridMetrics:
        """Gaps and padding shrunk in proportion to the cells (a beat group stays
        visibly apart down to the smallest cells)."""
        scale = cell_width / MAX_CELL_WIDTH
        return cls(
            cell_width=cell_width,
            cell_gap=max(2, round(4 * scale)),
            beat_gap=max(4, round(8 * scale)),
            left_padding=max(4, round(10 * scale)),
            right_padding=max(4, round(10 * scale)),
        )

    @classmethod
    def smallest(cls) -> GridMetrics:
        return cls.for_cell_width(MIN_CELL_WIDTH)

    @classmethod
    def fitting(cls, pattern: Pattern, width: int) -> GridMetrics:
        """The widest cells (up to full size) with which every step of ``pattern`` fits
        in ``width`` px; the smallest cells when none does (the grid then scrolls)."""
        for cell_width in range(MAX_CELL_WIDTH, MIN_CELL_WIDTH - 1, -1):
            metrics = cls.for_cell_width(cell_width)
            if metrics.content_width(pattern) <= width:
                return metrics
        return cls.smallest()

    def step_x(self, pattern: Pattern, step: int) -> int:
        """Left edge of a step's cell, in grid coordinates."""
        spb = max(1, pattern.steps_per_beat)
        pitch = self.cell_width + self.cell_gap
        return self.left_padding + step * pitch + (step // spb) * self.beat_gap

    def content_width(self, pattern: Pattern) -> int:
        if pattern.length == 0:
            return self.left_padding + self.right_padding
        return self.step_x(pattern, pattern.length - 1) + self.cell_width + self.right_padding

    def column_span(self, pattern: Pattern, step: int) -> tuple[int, int]:
        """(left, width) of a step's column with half the gap on either side: what the
        playhead highlights and a beat's shading covers."""
        return self.step_x(pattern, step) - self.cell_gap // 2, self.cell_width + self.cell_gap

    def cell_rect(self, pattern: Pattern, track: int, step: int) -> QRect:
        """Where a cell is painted (its height leaves the full-size gap between rows)."""
        return QRect(self.step_x(pattern, step), row_y(track) + CELL_ROW_GAP // 2,
                     self.cell_width, ROW_HEIGHT - CELL_ROW_GAP)  # fmt: skip

    def cell_at(self, pattern: Pattern, x: float, y: float) -> tuple[int, int] | None:
        """The (track, step) whose column and row contain the point (gaps belong to the
        cell before them, so a fast stroke never slips between cells)."""
        if not pattern.tracks or y < TOP_PADDING or x < self.left_padding:
            return None
        track = int((y - TOP_PADDING) // ROW_HEIGHT)
        if track >= len(pattern.tracks):
            return None
        spb = max(1, pattern.steps_per_beat)
        pitch = self.cell_width + self.cell_gap
        group = spb * pitch + self.beat_gap
        beat = int((x - self.left_padding) // group)
        within = (x - self.left_padding) - beat * group
        step = beat * spb + min(spb - 1, int(within // pitch))
        if step >= pattern.length:
            return None
        return track, step


def content_height(track_count: int) -> int:
    return TOP_PADDING + track_count * ROW_HEIGHT + BOTTOM_PADDING


def row_y(track: int) -> int:
    """Top of a track's row, in grid (and track-header column) coordinates."""
    return TOP_PADDING + track * ROW_HEIGHT
