"""The grid's cell width follows its width: the widest cells up to full size that show
every step, never below the smallest clickable pad."""

from __future__ import annotations

from desktop_app.domain.pattern import empty_pattern
from desktop_app.ui.grid_geometry import (
    BASE_CELL_WIDTH,
    MAX_CELL_WIDTH,
    MIN_CELL_WIDTH,
    GridMetrics,
)


def test_full_size_when_there_is_room():
    bar = empty_pattern(16)
    full = GridMetrics()
    assert GridMetrics.fitting(bar, full.content_width(bar)) == full
    assert GridMetrics.fitting(bar, 5000).cell_width == MAX_CELL_WIDTH


def test_the_widest_cells_that_fit():
    bar = empty_pattern(16)
    for width in range(GridMetrics.smallest().content_width(bar), 700):
        metrics = GridMetrics.fitting(bar, width)
        assert metrics.content_width(bar) <= width
        if metrics.cell_width < MAX_CELL_WIDTH:
            wider = GridMetrics.for_cell_width(metrics.cell_width + 1)
            assert wider.content_width(bar) > width


def test_never_below_the_smallest_pad():
    two_bars = empty_pattern(32)
    metrics = GridMetrics.fitting(two_bars, 200)
    assert metrics == GridMetrics.smallest()
    assert metrics.cell_width == MIN_CELL_WIDTH
    assert metrics.content_width(two_bars) > 200  # the grid scrolls


def test_a_point_in_a_painted_cell_is_that_cell():
    bar = empty_pattern(16)
    for cell_width in range(MIN_CELL_WIDTH, MAX_CELL_WIDTH + 1):
        metrics = GridMetrics.for_cell_width(cell_width)
        for step in range(16):
            rect = metrics.cell_rect(bar, 2, step)
            for x in (rect.left(), rect.center().x(), rect.right()):
                assert metrics.cell_at(bar, x, rect.center().y()) == (2, step)


def test_pads_above_the_base_size_grow_only_when_every_row_fits_too():
    bar = empty_pattern(16)
    tracks = len(bar.tracks)
    wide = 5000
    assert GridMetrics.fitting(bar, wide).cell_width == MAX_CELL_WIDTH  # no height given
    big = GridMetrics.for_cell_width(MAX_CELL_WIDTH)
    assert GridMetrics.fitting(bar, wide, big.content_height(tracks)) == big
    short = GridMetrics.fitting(bar, wide, big.content_height(tracks) - 1)
    assert BASE_CELL_WIDTH <= short.cell_width < MAX_CELL_WIDTH
    # too short even for the base rows: base pads, and the grid scrolls down
    assert GridMetrics.fitting(bar, wide, 100).cell_width == BASE_CELL_WIDTH
    # bigger pads keep their shape: height over width as at the base size
    base = GridMetrics()
    base_shape = (base.row_height - base.row_gap) / base.cell_width
    assert abs((big.row_height - big.row_gap) / big.cell_width - base_shape) < 0.05
    assert big.row_y(1) - big.row_y(0) == big.row_height > base.row_height
