"""The transport's clock and status, whole while playing, at every window size.

The clock grew wider as it counted ("2.1 · 0:02.0", "12.3 · 1:23.4") and took its room
from the status beside it: at 760 and 1520 px "Take ready to send · 320 kbps MP3, 0.1 MB"
lost its end. The app is started as ``python -m desktop_app`` starts it, played for real,
and at each size every text the clock and the status show is checked against the room
the layout gave the label, and the painted clock against its own edges.
"""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.ui.transport_bar import STATUS_TEXTS, TransportBar
from tests.gui.layout_checks import shown_rect
from tests.gui.pixels import grab
from tests.gui.started_app import pump, started_app, wait_until

SIZES = ((760, 520), (1024, 640), (1520, 880), (2560, 1440))
CLOCKS = ("0:00.0", "2.1 · 0:02.0", "12.3 · 1:23.4", "99.4 · 9:59.9", "104.4 · 12:34.5")
SAID = (*STATUS_TEXTS, "Take ready to send · 320 kbps MP3, 0.1 MB")


@pytest.fixture(scope="module")
def playing(qapp, tmp_path_factory):
    with started_app(tmp_path_factory.mktemp("transport-home"), SIZES[0]) as graph:
        pump(qapp, 0.4)
        graph.window.sequencer_panel.play_action.trigger()
        bar = graph.window.sequencer_panel.transport
        wait_until(qapp, lambda: " · " in bar.clock.text())
        yield qapp, graph.window, bar
        graph.window.sequencer_panel.play_action.trigger()


def _ink_columns(label, window) -> np.ndarray:
    """Columns of the label, as painted in the window, where its text is (unlike its
    ground: the toolbar's)."""
    rect = shown_rect(label, window)
    pixels = grab(window)[rect.top() : rect.bottom() + 1, rect.left() : rect.right() + 1]
    pixels = pixels.astype(int).sum(axis=2)
    ground = np.median(pixels)
    return np.flatnonzero((np.abs(pixels - ground) > 90).any(axis=0))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_clock_and_status_are_whole_while_playing(playing, size, tmp_path):
    qapp, window, bar = playing
    assert isinstance(bar, TransportBar)
    window.resize(*size)
    pump(qapp, 0.3)
    assert window.size().toTuple() == size
    assert bar.clock.text().count(" · ") == 1  # still playing: position · time

    widths = set()
    for text in CLOCKS:
        bar.clock.setText(text)  # (no event loop until checked: playback sets it too)
        room = bar.clock.contentsRect().width()
        need = bar.clock.fontMetrics().horizontalAdvance(text)
        assert need <= room, f"clock {text!r} needs {need} px, has {room} at {size}"
        ink = _ink_columns(bar.clock, window)
        assert ink.size and ink.max() < bar.clock.width() - 1, f"{text!r} painted to the edge"
        widths.add(bar.clock.width())
        if text != CLOCKS[-1]:  # bar 100 or ten minutes in may be smaller still
            assert bar.clock.pixel_size >= 12, f"{text!r}: a clock too small to read"
    assert len(widths) == 1, "the clock's width changes as it counts"

    for text in SAID:
        bar.status.setText(text)
        shown = bar.status.shown_lines()
        assert " ".join(shown) == text, f"status {text!r} shows {shown} at {size}"
        assert bar.status.geometry().right() <= bar.width()
    bar.grab().save(str(tmp_path / f"transport-{size[0]}.png"))  # to look at when it fails
