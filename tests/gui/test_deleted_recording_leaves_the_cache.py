"""A message deleted for everyone takes its recording off this disk too: it stayed in
the audio cache, listed nowhere, until the cache needed the room. Real app on its
embedded server; the dialog is the real one, answered by clicking Delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.journeys import click_in_list, message_view, park_mouse, play_disc
from tests.gui.started_app import shown_app


@pytest.fixture
def graph(qtbot, tmp_path: Path):
    with shown_app(qtbot, tmp_path, (1400, 900)) as graph:
        yield graph


def test_deleting_a_played_message_removes_its_cached_recording(qtbot, graph, modals) -> None:
    with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
        graph.start()
    model = graph.threads_state.messages
    qtbot.waitUntil(lambda: model.rowCount() == 1 and bool(model.message_at(0).renders))
    welcome = model.message_at(0)
    render_id = welcome.renders[0].id
    cache, player = graph.playback.cache, graph.playback.player

    park_mouse(qtbot, graph)
    click_in_list(qtbot, graph, play_disc(graph, welcome.id).centre)
    qtbot.waitUntil(lambda: player.is_playing and player.key == welcome.id, timeout=10000)
    qtbot.waitUntil(lambda: cache.lookup(render_id) is not None, timeout=10000)
    cached = cache.lookup(render_id)
    assert cached is not None and cached.exists()

    view = message_view(graph)
    assert QApplication.focusWidget() is view
    modals.answer("Delete")
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert [s.clicked for s in modals.shown] == ["Delete"]
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=5000)
    qtbot.waitUntil(lambda: not cached.exists(), timeout=5000)
    assert not cache.contains(render_id)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
