"""The volume and pan bars never draw their handle through their own value text (issue 10,
defect 11: "9|5%", "R1|0"). The text and the handle are found by their colours in the
rendered bar, at every value a drag can reach."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.track_header import TrackHeader
from tests.gui.pixels import grab, mask_of


@pytest.fixture
def header(qtbot):
    state = SequencerState(None)
    h = TrackHeader(state, 0)
    qtbot.addWidget(h)
    h.resize(300, h.height())
    h.show()
    qtbot.waitExposed(h)
    return h


def _crossings(bar) -> int:
    """Columns where the handle (a vertical run of bright-accent pixels, 3 px or more)
    shows inside the box of the value's text (its light grey pixels)."""
    g = bar.geometry()  # the bar as painted inside its track header, background and all
    pixels = grab(bar.parentWidget())[g.top() : g.bottom() + 1, g.left() : g.right() + 1]
    lo, hi = pixels.min(axis=2).astype(int), pixels.max(axis=2).astype(int)
    text = (lo >= 110) & (hi - lo <= 40)  # light grey: the (small, anti-aliased) text
    ys, xs = np.nonzero(text)
    assert len(xs), "no value text painted"
    handle = mask_of(pixels, theme.ACCENT_BRIGHT, 30)[
        ys.min() : ys.max() + 1, xs.min() : xs.max() + 1
    ]
    crossed = 0
    for column in handle.T:
        run = best = 0
        for on in column:
            run = run + 1 if on else 0
            best = max(best, run)
        crossed += best >= 3
    return crossed


def test_volume_handle_stays_out_of_the_text(header):
    bar = header.volume_bar
    bad = []
    for v in np.linspace(0.0, 1.0, 101):
        bar.set_value(float(v))
        if _crossings(bar):
            bad.append(f"{bar._format(float(v))}")
    assert bad == []


def _orange_in_text(bar) -> int:
    """Accent-coloured pixels (fill or handle, any shade) inside the text's box."""
    g = bar.geometry()
    pixels = grab(bar.parentWidget())[g.top() : g.bottom() + 1, g.left() : g.right() + 1]
    px = pixels.astype(int)
    lo, hi = px.min(axis=2), px.max(axis=2)
    ys, xs = np.nonzero((lo >= 110) & (hi - lo <= 40))
    r, gr, b = px[..., 0], px[..., 1], px[..., 2]
    orange = (r > 90) & (r - b > 60) & (r - gr > 30)
    return int(orange[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].sum())


def test_pan_indicator_stays_out_of_the_text(header):
    """Neither the handle nor the fill of the pan bar show between its letters."""
    bar = header.pan_bar
    bad = []
    for v in np.linspace(-1.0, 1.0, 101):
        bar.set_value(float(v))
        if _crossings(bar) or _orange_in_text(bar):
            bad.append(f"{bar._format(float(v))}")
    assert bad == []
