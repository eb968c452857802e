"""Playback in the whole app graph (embedded server): the Welcome message's render plays
from its row, is cached for the next time, and the cache cap follows the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.services.audio_cache import MIB
from desktop_app.settings import Settings
from desktop_app.ui import render_player
from desktop_app.ui.message_row_geometry import row_layout


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.under(tmp_path / "home").ensure()


def test_welcome_render_plays_from_its_row_and_is_cached(qtbot, paths: AppPaths) -> None:
    graph = AppGraph(paths, Settings.open(paths.settings_file))
    try:
        window = graph.window
        qtbot.addWidget(window)
        window.resize(1200, 700)
        window.show()
        with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
            graph.start()
        model = graph.threads_state.messages
        # the row may show before its render is attached (a poll between the two)
        qtbot.waitUntil(
            lambda: model.rowCount() == 1 and bool(model.message_at(0).renders), timeout=10000
        )
        view = window.conversation.messages
        # the controller writes the rows' player state into the model the view paints
        assert view.model() is model and graph.playback.controller.model is model
        message = model.message_at(0)
        render = message.renders[0]
        assert not graph.playback.cache.contains(render.id)

        rect = view.visualRect(model.index(0, 0))
        play = render_player.player_layout(row_layout(rect).render).play.center().toPoint()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=play)
        player = graph.playback.player
        qtbot.waitUntil(lambda: player.is_playing and player.key == message.id, timeout=10000)
        assert graph.playback.cache.contains(render.id)
        assert (paths.audio_cache_dir / f"{render.id}.mp3").is_file()
        qtbot.waitUntil(lambda: model.row_state(message.id).position > 0, timeout=3000)

        graph.settings.cache_size_mb = 64  # one limit: recordings and sounds share it
        assert graph.playback.cache.cap_bytes == 48 * MIB
        assert graph.samples.cap_bytes == 16 * MIB
    finally:
        graph.shutdown()
