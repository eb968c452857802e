"""Files opened with the app (``sequencer groove.json``, ``sequencer take.mp3``), through the
real app graph: the pattern loads as one undoable step, a bad file explains itself in a
dialog, an MP3 plays on the app's player with a "now playing" control in the status bar."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from desktop_app.app import AppGraph
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.domain.durations import clock_text
from desktop_app.domain.pattern import demo_pattern
from desktop_app.paths import AppPaths
from desktop_app.settings import Settings
from desktop_app.ui.open_files import FILE_KEY_PREFIX, FileOpener
from tests.gui.modal_driver import ModalDriver, Shown


@pytest.fixture
def graph(qtbot, tmp_path: Path):
    paths = AppPaths.under(tmp_path / "home").ensure()
    graph = AppGraph(paths, Settings.open(paths.settings_file))
    qtbot.addWidget(graph.window)
    graph.window.show()
    try:
        yield graph
    finally:
        graph.shutdown()


@pytest.fixture
def warnings(modals: ModalDriver) -> list[Shown]:
    """The real warning boxes the test opened, each closed with its OK button."""
    modals.watch()
    return modals.shown


def _groove(tmp_path: Path, bpm: float = 93.0) -> Path:
    pattern = demo_pattern()
    pattern.bpm = bpm
    path = tmp_path / "groove.json"
    path.write_text(json.dumps(pattern.to_snapshot(), indent=2), encoding="utf-8")
    return path


def test_pattern_file_loads_undoably(graph, tmp_path: Path, warnings) -> None:
    opener = FileOpener(graph.window, graph.playback.player)
    state = graph.sequencer_state
    before = state.snapshot()
    assert before["bpm"] != 93.0

    opener.open([_groove(tmp_path)])

    assert state.pattern.bpm == 93.0
    assert "groove.json" in graph.window.statusBar().currentMessage()
    assert not warnings
    state.undo_stack.undo()
    assert state.snapshot() == before


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "not JSON"),
        ('{"format": "sequencer.pattern", "version": "9.0.0", "tracks": []}', "9.0.0"),
        # JSON that is no pattern at all once loaded as an empty 120 BPM grid.
        ('{"not": "a pattern"}', "not a Sequencer pattern"),
    ],
)
def test_malformed_pattern_file_shows_a_dialog_and_changes_nothing(
    graph, tmp_path: Path, warnings, content: str, why: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    before = graph.sequencer_state.snapshot()
    undo_count = graph.sequencer_state.undo_stack.count()

    assert not FileOpener(graph.window, graph.playback.player).open_file(path)

    assert len(warnings) == 1
    (shown,) = warnings
    assert shown.title == "Could not open the pattern" and shown.clicked == "OK"
    assert str(path) in shown.text and why in shown.text
    assert graph.sequencer_state.snapshot() == before
    assert graph.sequencer_state.undo_stack.count() == undo_count


def test_missing_and_unknown_files_are_refused(graph, tmp_path: Path, warnings) -> None:
    opener = FileOpener(graph.window, graph.playback.player)
    assert not opener.open_file(tmp_path / "gone.mp3")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    assert not opener.open_file(notes)
    assert [w.title for w in warnings] == ["Could not open the file"] * 2
    assert "does not exist" in warnings[0].text
    assert ".json" in warnings[1].text and ".mp3" in warnings[1].text
    assert graph.playback.player.key == ""


def test_mp3_plays_with_now_playing_in_the_status_bar(qtbot, graph, tmp_path: Path) -> None:
    rate = 44100
    tone = 0.2 * np.sin(2 * np.pi * 220.0 * np.arange(rate * 2) / rate)
    take = tmp_path / "take.mp3"
    encode_mp3(np.column_stack([tone, tone]).astype(np.float32), rate, take, bitrate=128)
    opener = FileOpener(graph.window, graph.playback.player)
    player = graph.playback.player

    assert opener.open_file(take)

    assert player.key == FILE_KEY_PREFIX + str(take.resolve())
    qtbot.waitUntil(lambda: player.is_playing and player.duration > 1500, timeout=5000)
    widget = opener.now_playing
    qtbot.waitUntil(lambda: widget.isVisible() and "Now playing: take.mp3" in widget.text)
    assert "0:02" in widget.text  # the duration

    widget.toggle_button.click()  # pause
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
    assert widget.text.startswith("Paused")
    widget.stop_button.click()
    qtbot.waitUntil(lambda: not widget.isVisible(), timeout=3000)
    assert player.key == ""


def test_now_playing_total_reads_like_the_message_row(qtbot, graph, tmp_path: Path) -> None:
    """The status bar and the rows share one clock (``durations.clock_text``, whole
    seconds cut): a 3.9 s take is "0:03" on both, the time the elapsed clock stops at."""
    rate = 44100
    tone = 0.2 * np.sin(2 * np.pi * 220.0 * np.arange(int(rate * 3.9)) / rate)
    take = tmp_path / "take.mp3"
    encode_mp3(np.column_stack([tone, tone]).astype(np.float32), rate, take, bitrate=128)
    opener = FileOpener(graph.window, graph.playback.player)
    player = graph.playback.player

    assert opener.open_file(take)

    qtbot.waitUntil(lambda: player.is_playing and player.duration > 3500, timeout=5000)
    widget = opener.now_playing
    qtbot.waitUntil(lambda: widget.isVisible() and "/ " in widget.text)
    assert widget.text.endswith(f"/ {clock_text(player.duration / 1000)}")
    assert widget.text.endswith("/ 0:03")
    widget.stop_button.click()


def test_now_playing_says_ended_once_played_to_the_end(qtbot, graph, tmp_path: Path) -> None:
    """At the end the player is back at the start with its play button: the status bar
    said "Paused: take.mp3  0:00 / 0:01" as if someone had paused it at the start."""
    rate = 44100
    tone = 0.2 * np.sin(2 * np.pi * 220.0 * np.arange(rate) / rate)
    take = tmp_path / "take.mp3"
    encode_mp3(np.column_stack([tone, tone]).astype(np.float32), rate, take, bitrate=128)
    opener = FileOpener(graph.window, graph.playback.player)
    player = graph.playback.player
    widget = opener.now_playing

    with qtbot.waitSignal(player.finished, timeout=8000):
        assert opener.open_file(take)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
    QApplication.processEvents()
    assert widget.isVisible() and widget.text == "Ended: take.mp3  0:01"
    assert widget.toggle_button.toolTip() == "Play"

    widget.toggle_button.click()  # plays again from the start
    qtbot.waitUntil(lambda: widget.text.startswith("Now playing: take.mp3"), timeout=3000)
    widget.toggle_button.click()
    qtbot.waitUntil(lambda: widget.text.startswith("Paused: take.mp3"), timeout=3000)
    widget.stop_button.click()
