"""A message row's parts at every width the conversation panel can have (issue 10, defect 3):
from the panel's minimum (less a scroll bar) to a 2560 px screen, nothing overlaps, all
stays inside the card and the seek bar keeps 120 px."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QRectF

from desktop_app.ui.conversation_panel import MIN_WIDTH as PANEL_MIN_WIDTH
from desktop_app.ui.message_row_geometry import ROW_HEIGHT, row_layout

SCROLL_BAR = 16


def _problems_at(width: int) -> list[str]:
    lay = row_layout(QRectF(0, 0, width, ROW_HEIGHT))
    out = [] if lay.wave.width() >= 120 else [f"seek bar {lay.wave.width():.0f} px"]
    parts = {
        "avatar": lay.avatar, "header": lay.header, "load": lay.load, "summary": lay.summary,
        "play": lay.play, "seek": lay.wave, "loop": lay.loop,
    }  # fmt: skip
    if lay.preview.width():
        parts["preview"] = lay.preview
    if lay.duration.width():
        parts["time"] = lay.duration
    out += [f"{name} leaves the card" for name, r in parts.items() if not lay.card.contains(r)]
    for (a, ra), (b, rb) in itertools.combinations(parts.items(), 2):
        both = ra.intersected(rb)
        if both.width() > 0 and both.height() > 0:
            out.append(f"{a} overlaps {b}")
    return [f"{width} px: {p}" for p in out]


def test_row_parts_fit_at_every_width():
    widths = range(PANEL_MIN_WIDTH - SCROLL_BAR, 2561)
    assert [p for w in widths for p in _problems_at(w)] == []
