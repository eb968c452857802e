"""The real window at the sizes musicians use (issue 10, defects 3 and 11).

The whole app is built as ``python -m desktop_app`` builds it (AppGraph: embedded server,
engine, states, window) in a temporary home, with a thread of several messages — three
with renders bounced by the engine and uploaded, one pattern only — and a take recorded
and ready to send. At 760×520 (the minimum), 1024×640, 1520×880 and 2560×1440 no two
visible controls overlap, no text is cut mid-letter and every visible row keeps a seek
bar of at least 120 px; growing the window gives the conversation its room back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLabel

from desktop_app import __version__
from desktop_app.app import AppGraph
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.audio.peaks import compute_peaks
from desktop_app.domain.pattern import demo_pattern
from desktop_app.ui.grid_geometry import GridMetrics
from tests.gui.layout_checks import overlaps, problems
from tests.gui.started_app import drag_handle, pump, started_app, wait_until

SIZES = ((1520, 880), (1024, 640), (760, 520), (2560, 1440))


def _seed(graph: AppGraph, work: Path) -> str:
    api = graph.connection.api
    me = graph.settings.user_name
    thread = api.create_thread("Friday jam", users=(me, "bo", "kim"))
    work.mkdir(parents=True, exist_ok=True)
    for i, (user, bpm, rendered) in enumerate(
        [("bo", 88.0, True), ("kim", 132.0, True), (me, 112.0, True), ("kim", 96.0, False)]
    ):
        pattern = demo_pattern()
        pattern.set_bpm(bpm)
        renders = ()
        if rendered:
            pcm = graph.engine.bounce(pattern, 1)
            path = work / f"take-{i}.mp3"
            encode_mp3(pcm, graph.engine.sample_rate, path, bitrate=128)
            duration = len(pcm) / graph.engine.sample_rate
            peaks = compute_peaks(pcm, 100)
            renders = (api.upload_audio(path, bitrate=128, duration=duration, peaks=peaks),)
        api.create_message(
            thread.id,
            user,
            pattern.to_snapshot(),
            snapshot_metadata=pattern.metadata(loops=1, app_version=__version__),
            timestamp=f"2026-11-24T10:0{i}:00.000Z",
            renders=renders,
        )
    return thread.id


@pytest.fixture(scope="module")
def app_window(qapp, tmp_path_factory):
    home = tmp_path_factory.mktemp("layout-home")
    with started_app(home, SIZES[0]) as graph:
        settings = graph.settings
        wait_until(qapp, lambda: bool(settings.welcome_thread_id))
        thread_id = _seed(graph, home / "takes")
        graph.threads_state.refresh_threads()
        wait_until(qapp, lambda: graph.threads_state.thread_by_id(thread_id) is not None)
        graph.threads_state.open_thread(thread_id)
        wait_until(qapp, lambda: graph.threads_state.messages.rowCount() == 4)
        pump(qapp, 0.3)
        yield qapp, graph, graph.window


def _at(qapp, window, size: tuple[int, int]) -> None:
    window.resize(*size)
    pump(qapp, 0.25)
    assert window.size().toTuple() == size


def _grid_top_left(window) -> QPoint:
    return window.sequencer_panel.grid_scroll.mapTo(window, QPoint(0, 0))


def test_a_take_ready_moves_nothing(app_window):
    """The transport's status grows from "Ready to record" to "Take ready to send · ...";
    the grid below it must not move (it jumped ~10 px)."""
    qapp, graph, window = app_window
    rec = graph.recording_state
    for size in ((1520, 880), (1024, 640)):
        _at(qapp, window, size)
        before = _grid_top_left(window)
        sizes = window.splitter.sizes()
        rec.start()
        pump(qapp, 0.6)
        rec.stop()
        wait_until(qapp, lambda: rec.last_result is not None)
        pump(qapp, 0.3)
        assert "Take ready" in window.sequencer_panel.transport.status.text()
        assert _grid_top_left(window) == before
        assert window.splitter.sizes() == sizes
        assert overlaps(window) == []
        if size == (1520, 880):
            continue
        rec.clear_result()
        pump(qapp, 0.2)


def _threads_title_gap(window) -> int:
    """Pixels between the end of the word "Threads" and the + button beside it."""
    title = window.thread_list.findChild(QLabel, "threadListTitle")
    plus = window.thread_list.new_button
    text_end = title.mapTo(window, QPoint(0, 0)).x() + title.fontMetrics().horizontalAdvance(
        title.text()
    )
    return plus.mapTo(window, QPoint(0, 0)).x() - text_end


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_clean_layout_at(app_window, size):
    qapp, graph, window = app_window
    _at(qapp, window, size)
    assert graph.threads_state.messages.rowCount() == 4
    assert problems(window) == []
    assert _threads_title_gap(window) >= 8
    # the composer's hint reads as sentences, not one word per line
    hint = window.conversation.take_label
    assert hint.width() >= 220
    assert hint.heightForWidth(hint.width()) <= 4 * hint.fontMetrics().lineSpacing()


def test_growing_the_window_gives_the_conversation_its_room_back(app_window):
    qapp, _graph, window = app_window
    _at(qapp, window, (1520, 880))
    default = window.conversation.width()
    for size in ((1024, 640), (760, 520)):
        _at(qapp, window, size)
        assert problems(window) == []
        # the thread list gives up room too, not the grid alone
        assert window.thread_list.width() < 200
    _at(qapp, window, (2560, 1440))
    assert window.conversation.width() > default + 200
    # and no wide empty area beside the grid: the pattern's last step is near the edge
    grid = window.sequencer_panel.grid_scroll
    shown = window.sequencer_panel.grid
    assert shown.metrics.cell_width > GridMetrics().cell_width  # the pads grew
    assert grid.viewport().width() - shown.metrics.content_width(shown.pattern) < 40
    _at(qapp, window, (1520, 880))
    assert abs(window.conversation.width() - default) <= 40


def test_a_dragged_splitter_survives_resizing_the_window(app_window):
    """The widths a musician drags to are the ones a resize comes back to."""
    qapp, _graph, window = app_window
    _at(qapp, window, (1520, 880))
    handle = window.splitter.handle(2)  # between the sequencer and the conversation
    drag_handle(handle, -120)
    pump(qapp, 0.1)
    dragged = window.conversation.width()
    assert dragged >= 480
    _at(qapp, window, (1024, 640))
    assert problems(window) == []
    _at(qapp, window, (1520, 880))
    assert abs(window.conversation.width() - dragged) <= 2
