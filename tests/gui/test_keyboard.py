"""The keyboard in the whole window: which widget has focus decides what Space does (the
selected message's recording, or the sequencer's transport)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.settings import Settings


@pytest.fixture
def graph(qtbot, tmp_path: Path):
    paths = AppPaths.under(tmp_path / "home").ensure()
    graph = AppGraph(paths, Settings.open(paths.settings_file))
    qtbot.addWidget(graph.window)
    graph.window.resize(1400, 800)
    graph.window.show()
    graph.window.activateWindow()
    try:
        yield graph
    finally:
        graph.shutdown()


def press_space() -> None:
    """Space as a user types it: to whichever widget has the keyboard focus."""
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)


def test_space_plays_the_selected_message_when_the_list_has_focus(qtbot, graph) -> None:
    with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
        graph.start()
    model = graph.threads_state.messages
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10000)
    sequencer, player = graph.sequencer_state, graph.playback.player
    view = graph.window.conversation.messages
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view)
    view.setCurrentIndex(model.index(0, 0))

    press_space()
    qtbot.waitUntil(lambda: player.is_playing, timeout=10000)
    assert player.key == model.message_at(0).id
    assert not sequencer.is_playing
    press_space()  # the same row pauses
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
    assert not sequencer.is_playing

    grid = graph.window.sequencer_panel.grid
    grid.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grid)
    press_space()  # the grid has focus: Space is the transport
    qtbot.waitUntil(lambda: sequencer.is_playing, timeout=3000)
    assert not player.is_playing
    press_space()
    qtbot.waitUntil(lambda: not sequencer.is_playing, timeout=3000)
