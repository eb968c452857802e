"""The message list in the real app on its embedded server: the bar of a row that is not
playing starts it where it was clicked (it started at 0:00 while another row played); the
row clicked is the one Space and Left/Right act on (Right scrolled the list, Space started
the thread's first message); your own message comes into view when sent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.app import AppGraph
from desktop_app.state.message_roles import Roles
from desktop_app.ui import theme
from tests.gui.journeys import click_in_list, message_view, park_mouse, play_disc
from tests.gui.pixels import Blob, grab, mask_of
from tests.gui.started_app import shown_app
from tests.tones import make_mp3


@pytest.fixture
def graph(qtbot, tmp_path: Path):
    with shown_app(qtbot, tmp_path, (1400, 900)) as graph:
        yield graph


def seek_bar_middle(graph: AppGraph, disc: Blob) -> QPoint:
    """The middle of the row's idle waveform: its peaks, right of the play disc, in the
    waveform's resting colour."""
    pixels = grab(message_view(graph).viewport())
    band = mask_of(pixels[disc.top : disc.bottom + 1, disc.right + 4 :], theme.BORDER_STRONG, 3)
    xs = np.nonzero(band.any(axis=0))[0]
    assert len(xs) > 40, "no waveform painted beside the play button"
    return QPoint(disc.right + 4 + (int(xs.min()) + int(xs.max())) // 2, disc.centre.y())


def test_the_row_clicked_is_sought_where_clicked_and_keeps_the_keys(qtbot, graph) -> None:
    with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
        graph.start()
    model = graph.threads_state.messages
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10000)
    take = make_mp3(graph.paths.cache_dir.parent / "Anna 96bpm.mp3", seconds=15.0)
    graph.threads_state.send_audio_file(take)
    qtbot.waitUntil(
        lambda: model.rowCount() == 2 and bool(model.message_at(1).renders), timeout=20000
    )
    welcome, anna = model.message_at(0).id, model.message_at(1).id
    player = graph.playback.player
    view = message_view(graph)

    park_mouse(qtbot, graph)
    click_in_list(qtbot, graph, play_disc(graph, welcome).centre)  # another row plays
    qtbot.waitUntil(lambda: player.is_playing and player.key == welcome, timeout=10000)

    park_mouse(qtbot, graph)
    middle = seek_bar_middle(graph, play_disc(graph, anna))
    click_in_list(qtbot, graph, middle)
    qtbot.waitUntil(lambda: player.key == anna and player.is_playing, timeout=10000)
    qtbot.waitUntil(lambda: player.duration > 0, timeout=5000)
    qtbot.wait(300)
    assert 5000 <= player.position <= 11000, player.position  # the middle, not 0:00

    assert QApplication.focusWidget() is view
    scrolled = view.verticalScrollBar().value()
    QTest.keyClick(view, Qt.Key.Key_Space)  # pauses the row clicked, not the first one
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
    assert player.key == anna
    paused_at = player.position
    QTest.keyClick(view, Qt.Key.Key_Left)
    assert abs(player.position - (paused_at - 5000)) < 300
    QTest.keyClick(view, Qt.Key.Key_Right)
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert abs(player.position - (paused_at + 5000)) < 300
    assert view.verticalScrollBar().value() == scrolled  # the keys seek, not scroll
    QTest.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.is_playing and player.key == anna, timeout=3000)
    assert not graph.sequencer_state.is_playing


def test_your_own_message_comes_into_view_when_sent(qtbot, graph) -> None:
    """Reading back up a long thread, Enter sent the words out of sight below."""
    with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
        graph.start()
    model = graph.threads_state.messages
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10000)
    for n in range(20):
        graph.threads_state.send_text(f"earlier words {n}")
    qtbot.waitUntil(lambda: model.rowCount() == 21, timeout=10000)
    view = message_view(graph)
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(0)  # reading back up the thread

    box = graph.window.conversation.text_box
    box.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    QTest.keyClicks(box, "just sent")
    QTest.keyClick(box, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: model.rowCount() == 22, timeout=5000)
    mine = model.index(21, 0)
    assert mine.data(Roles.TEXT) == "just sent"
    qtbot.waitUntil(lambda: view.viewport().rect().contains(view.visualRect(mine)), timeout=3000)
    assert bar.value() == bar.maximum()


def test_the_hint_under_the_box_says_what_enter_sends(qtbot, graph) -> None:
    """An edited pattern, words typed, Enter: the words went alone, while the hint said
    "Send posts the pattern". The hint says what Enter does, and Enter does that."""
    with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
        graph.start()
    model = graph.threads_state.messages
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10000)
    graph.sequencer_state.set_bpm(101.0)
    hint = graph.window.conversation.take_label
    assert "Enter</b> sends words only" in hint.text()
    before = grab(hint)
    box = graph.window.conversation.text_box
    box.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    QTest.keyClicks(box, "new groove?")
    assert (grab(hint) == before).all()  # still shown while typing
    QTest.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    assert model.index(1, 0).data(Roles.TEXT) == "new groove?"
    assert not model.index(1, 0).data(Roles.HAS_PATTERN)


def test_left_and_right_step_a_bar_of_the_takes_pattern(qtbot, graph) -> None:
    """A drum take is a few bars long: Right jumped 5 s, past the end of the welcome
    groove's second bar. They step one bar of the pattern, as the seek bar's ticks."""
    with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
        graph.start()
    model = graph.threads_state.messages
    qtbot.waitUntil(lambda: model.rowCount() == 1 and bool(model.message_at(0).renders))
    welcome = model.message_at(0)
    bar_ms = 4 * 60_000 / welcome.snapshot["bpm"]
    player = graph.playback.player
    view = message_view(graph)

    park_mouse(qtbot, graph)
    click_in_list(qtbot, graph, play_disc(graph, welcome.id).centre)
    qtbot.waitUntil(lambda: player.is_playing and player.key == welcome.id, timeout=10000)
    qtbot.waitUntil(lambda: player.duration > 0, timeout=5000)
    QTest.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
    start = player.position
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert abs(player.position - (start + bar_ms)) < 50, (player.position, start, bar_ms)
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert abs(player.position - (start + 2 * bar_ms)) < 50
    QTest.keyClick(view, Qt.Key.Key_Left)
    assert abs(player.position - (start + bar_ms)) < 50
    assert player.key == welcome.id
