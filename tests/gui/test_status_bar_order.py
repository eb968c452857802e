"""The status bar keeps its order: Now playing on the left of the connection badge, the
badge at the right edge — before and after a server switch (the switch re-adds the badge
at the end, so Now playing changed sides). Real app on its embedded server."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.ui import theme
from tests.gui.journeys import click_in_list, park_mouse, play_disc
from tests.gui.pixels import grab, mask_of
from tests.gui.started_app import shown_app


@pytest.fixture
def graph(qtbot, tmp_path: Path):
    with shown_app(qtbot, tmp_path, (1400, 800)) as graph:
        yield graph


def _badge_dot_x(graph) -> int:
    """The connection badge's dot (green, or amber while a new badge says "Connecting"),
    as painted in the status bar."""
    pixels = grab(graph.window.statusBar())
    dot = mask_of(pixels, theme.SUCCESS, 30) | mask_of(pixels, theme.WARNING, 30)
    xs = np.nonzero(dot.any(axis=0))[0]
    assert len(xs), "no connection dot painted"
    return int(xs.min())


def _now_playing_right(graph) -> int:
    now = graph.now_playing
    return now.mapTo(graph.window.statusBar(), now.rect().topRight()).x()


def test_now_playing_stays_left_of_the_connection_badge(qtbot, graph) -> None:
    with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
        graph.start()
    model = graph.threads_state.messages
    qtbot.waitUntil(lambda: model.rowCount() == 1 and bool(model.message_at(0).renders))
    qtbot.waitUntil(lambda: graph.threads_state.is_connected, timeout=10000)
    player = graph.playback.player
    park_mouse(qtbot, graph)
    click_in_list(qtbot, graph, play_disc(graph, model.message_at(0).id).centre)
    qtbot.waitUntil(lambda: player.is_playing and graph.now_playing.isVisible(), timeout=10000)
    qtbot.wait(100)
    assert _now_playing_right(graph) < _badge_dot_x(graph)

    # What a server switch does to the window: a new badge for the new session's state.
    graph.window.set_threads_state(graph.threads_state, "Local server")
    qtbot.waitUntil(lambda: graph.window.connection_indicator.isVisible(), timeout=3000)
    qtbot.wait(100)
    assert graph.now_playing.isVisible()
    assert _now_playing_right(graph) < _badge_dot_x(graph)
