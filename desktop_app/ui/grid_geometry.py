"""Where the grid's rows and step columns fall, in pixels.

Shared by the grid, the ruler above it and the track headers beside it, so rows and
columns line up across the three widgets.
"""

from __future__ import annotations

from PySide6.QtCore import QRect

from desktop_app.domain.pattern import Pattern

ROW_HEIGHT = 38
TOP_PADDING = 6
BOTTOM_PADDING = 6
LEFT_PADDING = 10
RIGHT_PADDING = 10
CELL_WIDTH = 30
CELL_GAP = 4
BEAT_GAP = 8  # extra space between beat groups
RULER_HEIGHT = 24


def step_x(pattern: Pattern, step: int) -> int:
    """Left edge of a step's cell, in grid coordinates."""
    spb = max(1, pattern.steps_per_beat)
    return LEFT_PADDING + step * (CELL_WIDTH + CELL_GAP) + (step // spb) * BEAT_GAP


def content_width(pattern: Pattern) -> int:
    if pattern.length == 0:
        return LEFT_PADDING + RIGHT_PADDING
    return step_x(pattern, pattern.length - 1) + CELL_WIDTH + RIGHT_PADDING


def content_height(track_count: int) -> int:
    return TOP_PADDING + track_count * ROW_HEIGHT + BOTTOM_PADDING


def row_y(track: int) -> int:
    """Top of a track's row, in grid (and track-header column) coordinates."""
    return TOP_PADDING + track * ROW_HEIGHT


def column_span(pattern: Pattern, step: int) -> tuple[int, int]:
    """(left, width) of a step's column with half the gap on either side: what the
    playhead highlights and a beat's shading covers."""
    return step_x(pattern, step) - CELL_GAP // 2, CELL_WIDTH + CELL_GAP


def cell_rect(pattern: Pattern, track: int, step: int) -> QRect:
    """Where a cell is painted."""
    return QRect(step_x(pattern, step), row_y(track) + CELL_GAP // 2, CELL_WIDTH,
                 ROW_HEIGHT - CELL_GAP)  # fmt: skip


def cell_at(pattern: Pattern, x: float, y: float) -> tuple[int, int] | None:
    """The (track, step) whose column and row contain the point (gaps belong to the cell
    before them, so a fast stroke never slips between cells)."""
    if not pattern.tracks or y < TOP_PADDING or x < LEFT_PADDING:
        return None
    track = int((y - TOP_PADDING) // ROW_HEIGHT)
    if track >= len(pattern.tracks):
        return None
    spb = max(1, pattern.steps_per_beat)
    group = spb * (CELL_WIDTH + CELL_GAP) + BEAT_GAP
    beat = int((x - LEFT_PADDING) // group)
    within = (x - LEFT_PADDING) - beat * group
    step = beat * spb + min(spb - 1, int(within // (CELL_WIDTH + CELL_GAP)))
    if step >= pattern.length:
        return None
    return track, step
