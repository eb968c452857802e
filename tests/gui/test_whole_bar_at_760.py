"""A whole bar at the window's minimum, 760×520, as the window lays itself out by default.

At 760 px the step grid showed three of sixteen steps: the thread list (~110 px), the
track headers (300 px) and the conversation (290 px) took the width. Now the headers
turn compact and the thread list folds to a rail when they must. The app is built as
``python -m desktop_app`` builds it and *started at 760×520* (its default layout), then
grown to 1024×640, 1520×880 and 2560×1440. The pads of the first track are found in the
grabbed window by their colour, inside the grid's visible viewport, and the sixteenth is
clicked where it is painted (the widget under that pixel gets the click).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest

from desktop_app.domain.pattern import empty_pattern
from desktop_app.ui import theme
from desktop_app.ui.sequencer_grid import SequencerGrid
from tests.gui.layout_checks import problems, shown_rect
from tests.gui.pixels import Blob, grab, mask_of, top_row_blobs
from tests.gui.started_app import pump, started_app, wait_until

SIZES = ((760, 520), (1024, 640), (1520, 880), (2560, 1440))
MIN_PAD_WIDTH = 14


@pytest.fixture(scope="module")
def app_window(qapp, tmp_path_factory):
    with started_app(tmp_path_factory.mktemp("whole-bar-home"), SIZES[0]) as graph:
        graph.sequencer_state.set_pattern(empty_pattern(16))
        pump(qapp, 0.4)
        yield qapp, graph, graph.window


def _at(qapp, window, size: tuple[int, int]) -> None:
    window.resize(*size)
    pump(qapp, 0.3)
    assert window.size().toTuple() == size


def first_track_pads(window) -> tuple[list[Blob], QRect]:
    """The empty pads of the top row as painted in the grabbed *window*, inside the grid's
    visible viewport (window coordinates), left to right; and that viewport's rect."""
    viewport = window.sequencer_panel.grid_scroll.viewport()
    area = shown_rect(viewport, window)
    pixels = grab(window)
    pad = mask_of(pixels, theme.STEP_OFF, 3) | mask_of(pixels, theme.STEP_OFF_BEAT, 3)
    inside = np.zeros_like(pad)
    inside[area.top() : area.bottom() + 1, area.left() : area.right() + 1] = True
    pad &= inside
    return top_row_blobs(pad), area


def _click_window_at(window, point: QPoint):
    """A click where ``point`` (window coordinates) is painted: the widget under it gets it."""
    target = window.childAt(point)
    assert target is not None
    QTest.mouseClick(
        target,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        target.mapFrom(window, point),
    )
    return target


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_whole_bar_shows_and_its_16th_step_clicks(app_window, size):
    qapp, graph, window = app_window
    state = graph.sequencer_state
    state.set_pattern(empty_pattern(16))
    _at(qapp, window, size)

    pads, area = first_track_pads(window)
    assert len(pads) == 16, [(p.left, p.width) for p in pads]
    assert pads[0].left > area.left() and pads[-1].right < area.right()  # whole, not cut
    assert min(p.width for p in pads) >= MIN_PAD_WIDTH
    assert pads[0].top > area.top() and pads[0].bottom < area.bottom()

    target = _click_window_at(window, pads[15].centre)
    assert isinstance(target, SequencerGrid)
    pump(qapp, 0.05)
    kick = state.pattern.tracks[0].steps
    assert kick[15] > 0 and sum(1 for v in kick if v) == 1
    assert len(first_track_pads(window)[0]) == 15  # and it shows lit where it was clicked
    _click_window_at(window, pads[15].centre)
    pump(qapp, 0.05)
    assert state.pattern.tracks[0].steps[15] == 0

    # the conversation stays usable: the composer and Send whole and in view
    conversation = window.conversation
    for widget in (conversation.text_box, conversation.send_button):
        assert widget.isVisible()
        shown = shown_rect(widget, window)
        assert shown.size() == widget.size(), (widget.objectName(), shown, widget.size())
    assert conversation.text_box.width() >= 200
    assert problems(window) == []


def test_headers_are_compact_only_in_the_narrow_window(app_window):
    qapp, graph, window = app_window
    graph.sequencer_state.set_pattern(empty_pattern(16))
    panel = window.sequencer_panel
    _at(qapp, window, (760, 520))
    assert panel.compact
    for header in panel.headers.headers:
        assert not header.volume_bar.isVisible() and header.mix_action.isVisible()
        assert header.name_edit.text() == header.name_edit.name  # "Closed hat" whole
    for size in SIZES[1:]:
        _at(qapp, window, size)
        assert not panel.compact
        header = panel.headers.headers[0]
        assert header.volume_bar.isVisible() and header.pan_bar.isVisible()
        assert not header.mix_action.isVisible()


def test_volume_and_pan_of_a_compact_header_from_its_menu_by_keyboard(app_window):
    qapp, graph, window = app_window
    state = graph.sequencer_state
    state.set_pattern(empty_pattern(16))
    _at(qapp, window, (760, 520))
    header = window.sequencer_panel.headers.headers[1]
    before = state.pattern.tracks[1].volume
    header.mix_action.trigger()
    popup = header._mix_popup
    assert popup is not None
    wait_until(qapp, popup.isVisible)
    assert popup.volume_bar.hasFocus()
    for _ in range(3):
        QTest.keyClick(popup.volume_bar, Qt.Key.Key_Right)
    assert state.pattern.tracks[1].volume == pytest.approx(before + 0.15)
    QTest.keyClick(popup.volume_bar, Qt.Key.Key_Tab)
    assert popup.pan_bar.hasFocus()
    QTest.keyClick(popup.pan_bar, Qt.Key.Key_Left)
    assert state.pattern.tracks[1].pan == pytest.approx(-0.1)
    pump(qapp, 0.8)  # the key bursts end
    popup.close()
    state.undo_stack.undo()
    state.undo_stack.undo()
    assert state.pattern.tracks[1].volume == pytest.approx(before)  # one burst, one step
    assert state.pattern.tracks[1].pan == 0.0


def test_the_thread_list_folds_at_760_and_opens_with_its_button_or_ctrl_b(app_window):
    qapp, graph, window = app_window
    splitter, threads = window.splitter, window.thread_list
    _at(qapp, window, (760, 520))
    assert threads.folded and threads.rail.isVisible() and not threads.list.isVisible()
    assert threads.width() <= 40
    assert not window.threads_action.isChecked()

    QTest.mouseClick(threads.open_button, Qt.MouseButton.LeftButton)
    pump(qapp, 0.1)
    assert not threads.folded and threads.list.isVisible()
    assert threads.width() >= threads.open_minimum_width()
    assert window.threads_action.isChecked()
    assert problems(window) == []

    QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    pump(qapp, 0.1)
    assert threads.folded

    # opened in the narrow window: open until the window is widened and narrowed again
    QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    pump(qapp, 0.1)
    assert not threads.folded
    _at(qapp, window, (1520, 880))
    assert not threads.folded
    _at(qapp, window, (760, 520))
    assert threads.folded

    # folded by the musician in a wide window: stays folded, and is remembered
    _at(qapp, window, (1520, 880))
    QTest.mouseClick(threads.fold_button, Qt.MouseButton.LeftButton)
    pump(qapp, 0.1)
    assert threads.folded
    _at(qapp, window, (2560, 1440))
    assert threads.folded
    window.save_layout()
    assert graph.settings.threads_folded
    assert splitter.preferred_sizes()[0] > 100  # the width it opens to, not the rail's
    QTest.mouseClick(threads.open_button, Qt.MouseButton.LeftButton)
    pump(qapp, 0.1)
    assert not threads.folded
    window.save_layout()
    assert not graph.settings.threads_folded


def test_the_take_status_reads_whole_at_760(app_window):
    qapp, graph, window = app_window
    _at(qapp, window, (760, 520))
    rec = graph.recording_state
    status = window.sequencer_panel.transport.status
    grid_top = window.sequencer_panel.grid_scroll.mapTo(window, QPoint(0, 0))
    rec.start()
    pump(qapp, 0.6)
    rec.stop()
    wait_until(qapp, lambda: rec.last_result is not None)
    pump(qapp, 0.3)
    text = status.text()
    assert text.startswith("Take ready to send · 320 kbps MP3, ")
    shown = status.shown_lines()
    assert " ".join(shown) == text and "…" not in text
    assert len(shown) == 2  # it needed both lines
    assert status.height() >= 2 * status.fontMetrics().height()
    assert window.sequencer_panel.grid_scroll.mapTo(window, QPoint(0, 0)) == grid_top
    rec.clear_result()
    pump(qapp, 0.2)


def test_a_new_thread_list_after_a_server_switch_folds_and_keeps_its_open_width(app_window):
    """The window rebuilds the thread list for another server: the new one is folded too
    at 760 px, and opens to the width the old one had (not the rail's 32 px)."""
    qapp, graph, window = app_window
    _at(qapp, window, (1520, 880))
    open_width = window.splitter.preferred_sizes()[0]
    _at(qapp, window, (760, 520))
    assert window.thread_list.folded
    window.set_threads_state(graph.threads_state, "Local server")
    pump(qapp, 0.2)
    threads = window.thread_list
    assert threads.folded and threads.rail.isVisible()
    assert not window.threads_action.isChecked()
    total = sum(graph.threads_state.unread_count(t.id) for t in graph.threads_state.threads)
    assert threads.rail_unread.isVisible() == (total > 0)
    _at(qapp, window, (1520, 880))
    assert not threads.folded
    assert abs(threads.width() - open_width) <= 2


def test_a_big_screen_gets_big_pads_and_the_sequencer_the_room(app_window):
    """At 2560×1440 the cells stayed 30 px and the conversation took 1418 px beside a
    900 px sequencer. Now the pads grow (both ways, keeping their shape) and the
    sequencer is the widest column; 1520×880 keeps the usual pads."""
    qapp, graph, window = app_window
    graph.sequencer_state.set_pattern(empty_pattern(16))
    found = {}
    for size in ((1520, 880), (2560, 1440)):
        _at(qapp, window, size)
        pads, area = first_track_pads(window)
        assert len(pads) == 16
        assert pads[-1].right < area.right()
        found[size] = pads
    small, big = found[(1520, 880)], found[(2560, 1440)]
    assert min(p.width for p in big) >= max(p.width for p in small) + 10
    assert big[0].height > small[0].height + 10  # taller too
    ratio = lambda pad: pad.height / pad.width  # noqa: E731
    assert abs(ratio(big[0]) - ratio(small[0])) < 0.15  # the same shape
    panel, conversation = window.sequencer_panel, window.conversation
    assert panel.width() > conversation.width()
    # and the grid fills its column: no wide empty area right of the last step
    assert area.right() - pads[-1].right < 60
    # the track headers' rows stay beside the grid's rows
    header = panel.headers.headers[0]
    top = header.mapTo(window, QPoint(0, 0)).y()
    assert top <= big[0].top and big[0].bottom <= top + header.height()
    assert problems(window) == []
