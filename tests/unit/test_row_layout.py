"""A message row's parts at every width the conversation panel can have (issue 10, defect 3):
from the panel's minimum (less a scroll bar) to a 2560 px screen, nothing overlaps, all
stays inside the card and the seek bar keeps 120 px."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRectF

from desktop_app.ui.conversation_panel import MIN_WIDTH as PANEL_MIN_WIDTH
from desktop_app.ui.message_delegate import ROW_HEIGHT, row_layout

SCROLL_BAR = 16


@pytest.mark.parametrize("width", range(PANEL_MIN_WIDTH - SCROLL_BAR, 2561, 7))
def test_row_parts_fit_at(width):
    lay = row_layout(QRectF(0, 0, width, ROW_HEIGHT))
    assert lay.wave.width() >= 120
    parts = {
        "avatar": lay.avatar, "header": lay.header, "load": lay.load, "summary": lay.summary,
        "play": lay.play, "seek": lay.wave, "loop": lay.loop,
    }  # fmt: skip
    if lay.preview.width():
        parts["preview"] = lay.preview
    if lay.duration.width():
        parts["time"] = lay.duration
    for name, rect in parts.items():
        assert lay.card.contains(rect), name
    for (a, ra), (b, rb) in itertools.combinations(parts.items(), 2):
        both = ra.intersected(rb)
        assert both.width() <= 0 or both.height() <= 0, f"{a} overlaps {b}"
