"""The status bar while offline: the indicator's sentence ("Offline — nothing saved from
this server yet; retrying in 60 s", 400 px) cut the bar's message at 1024 px. It gives
way now: beside a message it shows "Offline · retrying in 60 s" (at 760 px beside a long
one "Offline"; the whole sentence in its tooltip), and both are painted whole at every
window size."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.domain.pattern import demo_pattern
from desktop_app.ui.connection_indicator import short_form
from tests.gui.layout_checks import shown_rect
from tests.gui.pixels import grab
from tests.gui.window_parts import Parts

SIZES = ((760, 520), (1024, 640), (1520, 880), (2560, 1440))


def _ink_span(window, left: int, right: int) -> tuple[int, int]:
    """First and last column (window coordinates) between ``left`` and ``right`` where the
    status bar has text painted: unlike its ground."""
    bar = shown_rect(window.statusBar(), window)
    pixels = grab(window)[bar.top() + 2 : bar.bottom() - 1, left:right].astype(int).sum(axis=2)
    ground = np.median(pixels)
    columns = np.flatnonzero((np.abs(pixels - ground) > 90).any(axis=0))
    assert columns.size, "nothing painted there"
    return left + int(columns.min()), left + int(columns.max())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_message_and_the_offline_indicator_are_both_whole(qtbot, parts: Parts, size):
    window = parts.window(qtbot)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    indicator = window.connection_indicator
    parts.threads.start()
    qtbot.waitUntil(lambda: indicator.status() == "offline", timeout=5000)
    whole = indicator.full_text()
    assert whole.startswith("Offline — ") and indicator.text() == whole  # no message: whole

    parts.sequencer.set_pattern(demo_pattern())
    parts.sequencer.set_steps_per_beat(3)  # the grid's own notice, in the status bar
    bar = window.statusBar()
    message = bar.currentMessage()
    assert message.startswith("Grid set to 3 steps a beat")
    qtbot.wait(50)  # laid out

    label = indicator.findChild(type(indicator._label))  # the words beside the dot
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    assert indicator.text() in (whole, short_form(whole), "Offline")
    if size[0] >= 1024:  # when it tries again stays in view
        assert "retrying in 60 s" in indicator.text()
    assert whole in indicator.toolTip()

    where = shown_rect(indicator, window)
    first, last = _ink_span(window, 0, where.left())
    painted = last - first + 1
    needed = bar.fontMetrics().horizontalAdvance(message)
    assert painted >= needed - 6, f"the message is cut: {painted} of {needed} px painted"
    assert last < where.left() - 2
