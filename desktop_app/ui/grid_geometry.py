"""Where the grid's rows and step columns fall, in pixels.

Columns scale with the room the grid has. ``GridMetrics`` holds one choice of cell width,
gaps and row height: the grid picks it from its size, and the ruler above it and the
track headers beside it are handed the same value, so columns and rows line up across
the widgets. Up to ``BASE_CELL_WIDTH`` the rows keep ``ROW_HEIGHT`` (narrower pads in a
small window); above it, on a big screen, the pads grow in both directions, keeping
their shape and spacing, up to ``MAX_CELL_WIDTH`` — when the grid's height has room for
every row at that size too (taller rows than the window shows would only scroll).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect

from desktop_app.domain.pattern import Pattern

ROW_HEIGHT = 38  # at BASE_CELL_WIDTH and below
TOP_PADDING = 6
BOTTOM_PADDING = 6
RULER_HEIGHT = 24
CELL_ROW_GAP = 4  # space between the pads of two rows (rows keep their height)

BASE_CELL_WIDTH = 30  # the pads' size before a big screen grows them (30 × 34)
# 48 × 55 at most: a 16-step bar beside full track headers then takes ~1250 px, about
# what a 1920 px screen leaves the sequencer beside the thread list and a conversation
# of 380 px, so a big screen shows a big grid (as Hydrogen's and LMMS's zoom do); larger
# pads stop reading as steps of one row, and the 2560 px window already has the bar
# at 1.6 times its usual size with the conversation as wide as the sequencer's grid.
MAX_CELL_WIDTH = 48
# Narrower pads are hard to hit and leave no room for a velocity number: below this the
# grid keeps its cells and scrolls instead.
MIN_CELL_WIDTH = 14


@dataclass(frozen=True)
class GridMetrics:
    """Cell width and the spaces around cells, for one width of the grid."""

    cell_width: int = BASE_CELL_WIDTH
    cell_gap: int = 4
    beat_gap: int = 8  # extra space between beat groups
    left_padding: int = 10
    right_padding: int = 10
    row_height: int = ROW_HEIGHT
    row_gap: int = CELL_ROW_GAP

    @classmethod
    def for_cell_width(cls, cell_width: int) -> GridMetrics:
        """Gaps and padding in proportion to the cells (a beat group stays visibly apart
        down to the smallest cells); rows grow with pads wider than the base ones."""
        scale = cell_width / BASE_CELL_WIDTH
        tall = max(1.0, scale)
        return cls(
            cell_width=cell_width,
            cell_gap=max(2, round(4 * scale)),
            beat_gap=max(4, round(8 * scale)),
            left_padding=max(4, round(10 * scale)),
            right_padding=max(4, round(10 * scale)),
            row_height=round(ROW_HEIGHT * tall),
            row_gap=round(CELL_ROW_GAP * tall),
        )

    @classmethod
    def smallest(cls) -> GridMetrics:
        return cls.for_cell_width(MIN_CELL_WIDTH)

    @classmethod
    def fitting(cls, pattern: Pattern, width: int, height: int | None = None) -> GridMetrics:
        """The widest cells (up to ``MAX_CELL_WIDTH``) with which every step of
        ``pattern`` fits in ``width`` px — and, for pads above the base size, every row
        in ``height`` px (no limit when None); the smallest cells when none does (the
        grid then scrolls)."""
        for cell_width in range(MAX_CELL_WIDTH, MIN_CELL_WIDTH - 1, -1):
            metrics = cls.for_cell_width(cell_width)
            if metrics.content_width(pattern) > width:
                continue
            rows = metrics.content_height(len(pattern.tracks))
            if cell_width > BASE_CELL_WIDTH and height is not None and rows > height:
                continue
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

    def row_y(self, track: int) -> int:
        """Top of a track's row, in grid (and track-header column) coordinates."""
        return TOP_PADDING + track * self.row_height

    def content_height(self, track_count: int) -> int:
        return TOP_PADDING + track_count * self.row_height + BOTTOM_PADDING

    def cell_rect(self, pattern: Pattern, track: int, step: int) -> QRect:
        """Where a cell is painted (its height leaves the gap between rows)."""
        return QRect(self.step_x(pattern, step), self.row_y(track) + self.row_gap // 2,
                     self.cell_width, self.row_height - self.row_gap)  # fmt: skip

    def cell_at(self, pattern: Pattern, x: float, y: float) -> tuple[int, int] | None:
        """The (track, step) whose column and row contain the point (gaps belong to the
        cell before them, so a fast stroke never slips between cells)."""
        if not pattern.tracks or y < TOP_PADDING or x < self.left_padding:
            return None
        track = int((y - TOP_PADDING) // self.row_height)
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
    """With rows of the base height (the grid's minimum)."""
    return GridMetrics().content_height(track_count)
