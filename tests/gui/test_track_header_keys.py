"""A full track header from the keyboard: Tab goes name, M, S, volume, pan, ⋮ and on to
the next track; the volume and pan bars take the arrows, Page Up/Down, Home and End,
show a focus outline, and a burst of key presses is one undo step.

Tab skipped the full header's volume and pan bars (only the compact header's popup took
the keyboard), so a keyboard user could not change them. The whole app is built as
``python -m desktop_app`` builds it, in a window wide enough for full headers.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.domain.pattern import demo_pattern
from desktop_app.ui import theme
from desktop_app.ui.value_bar import WHEEL_SESSION_MS
from tests.gui.pixels import grab, mask_of
from tests.gui.started_app import started_app


def _pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


@pytest.fixture(scope="module")
def app_window(qapp, tmp_path_factory):
    with started_app(tmp_path_factory.mktemp("header-keys-home"), (1520, 880)) as graph:
        graph.sequencer_state.set_pattern(demo_pattern())
        _pump(qapp, 0.4)
        yield qapp, graph, graph.window


def _tab() -> None:
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)


def _tab_to(target, limit: int = 200) -> None:
    """Tab from the transport as a user does, until ``target`` has the focus."""
    for _ in range(limit):
        if QApplication.focusWidget() is target:
            return
        _tab()
    raise AssertionError(f"Tab never reached {target!r}")


def test_tab_goes_through_each_full_header_in_order(app_window):
    qapp, _graph, window = app_window
    panel = window.sequencer_panel
    assert not panel.compact
    first, second = panel.headers.headers[:2]
    panel.transport.setFocus(Qt.FocusReason.OtherFocusReason)
    _tab_to(first.name_edit)
    seen = []
    for _ in range(6):
        _tab()
        seen.append(QApplication.focusWidget())
    assert seen == [first.mute_button, first.solo_button, first.volume_bar, first.pan_bar,
                    first.menu_button, second.name_edit]  # fmt: skip
    assert not second.name_edit.editing  # reached, still a label
    QTest.keyClick(second.name_edit, Qt.Key.Key_F2)
    assert second.name_edit.editing
    QTest.keyClick(second.name_edit, Qt.Key.Key_Escape)
    assert not second.name_edit.editing and second.name_edit.name == "Snare"
    state = _graph.sequencer_state
    QTest.keyClick(second.name_edit, Qt.Key.Key_Space)  # a label: Space still plays
    _pump(qapp, 0.1)
    assert state.is_playing
    QTest.keyClick(second.name_edit, Qt.Key.Key_Space)
    _pump(qapp, 0.1)
    assert not state.is_playing


def _outline_pixels(window, bar) -> int:
    """Pixels of the accent focus colours in and just around the bar."""
    rect = QRect(bar.mapTo(window, QPoint(0, 0)), bar.size()).adjusted(-3, -3, 3, 3)
    pixels = grab(window)[rect.top() : rect.bottom() + 1, rect.left() : rect.right() + 1]
    return int(
        np.count_nonzero(
            mask_of(pixels, theme.ACCENT_BRIGHT, 40) | mask_of(pixels, theme.ACCENT, 40)
        )
    )


@pytest.mark.parametrize("which", ["volume", "pan"])
def test_volume_and_pan_of_a_full_header_by_keyboard(app_window, which):
    qapp, graph, window = app_window
    state = graph.sequencer_state
    state.set_pattern(demo_pattern())
    _pump(qapp, 0.1)
    header = window.sequencer_panel.headers.headers[2]
    bar = header.volume_bar if which == "volume" else header.pan_bar

    def value() -> float:
        track = state.pattern.tracks[2]
        return track.volume if which == "volume" else track.pan

    before = value()
    header.solo_button.setFocus(Qt.FocusReason.TabFocusReason)
    _pump(qapp, 0.05)
    unfocused = _outline_pixels(window, bar)
    _tab()
    if which == "pan":
        _tab()
    assert QApplication.focusWidget() is bar
    _pump(qapp, 0.05)
    # a visible outline: the accent ring round the bar (the fill alone has far fewer)
    assert _outline_pixels(window, bar) > unfocused + 2 * (bar.width() + bar.height()) * 0.6

    QTest.keyClick(bar, Qt.Key.Key_Right)
    QTest.keyClick(bar, Qt.Key.Key_Up)
    span = 1.0 if which == "volume" else 2.0
    assert value() == pytest.approx(min(before + 0.1 * span, 1.0))
    QTest.keyClick(bar, Qt.Key.Key_PageDown)
    assert value() == pytest.approx(before + 0.1 * span - 0.2 * span)
    QTest.keyClick(bar, Qt.Key.Key_End)
    assert value() == pytest.approx(1.0)
    QTest.keyClick(bar, Qt.Key.Key_Home)
    low = 0.0 if which == "volume" else -1.0
    assert value() == pytest.approx(low)
    _pump(qapp, WHEEL_SESSION_MS / 1000 + 0.3)  # the burst ends
    QTest.keyClick(bar, Qt.Key.Key_Left)  # a second burst
    assert value() == pytest.approx(low)  # (already at the end)
    QTest.keyClick(bar, Qt.Key.Key_Right)
    _pump(qapp, WHEEL_SESSION_MS / 1000 + 0.3)
    state.undo_stack.undo()
    assert value() == pytest.approx(low)
    state.undo_stack.undo()  # the first burst, all five keys, is one step
    assert value() == pytest.approx(before)


def test_tab_into_a_header_out_of_sight_scrolls_it_into_view(app_window):
    qapp, graph, window = app_window
    state = graph.sequencer_state
    pattern = demo_pattern()
    state.set_pattern(pattern)
    for _ in range(10):
        state.add_track(state.sample_names()[0])
    window.resize(1024, 640)
    _pump(qapp, 0.3)
    panel = window.sequencer_panel
    vbar = panel.grid_scroll.verticalScrollBar()
    assert vbar.maximum() > 0 and vbar.value() == 0
    last = panel.headers.headers[-1]
    panel.headers.headers[0].name_edit.setFocus(Qt.FocusReason.TabFocusReason)
    _tab_to(last.volume_bar)
    _pump(qapp, 0.1)
    shown = QRect(panel.header_view.mapTo(window, QPoint(0, 0)), panel.header_view.size())
    at = QRect(last.volume_bar.mapTo(window, QPoint(0, 0)), last.volume_bar.size())
    assert shown.contains(at), (shown, at)
    # the grid's rows moved with it: the last row's pads beside its header
    assert vbar.value() > 0
    window.resize(1520, 880)
    state.set_pattern(demo_pattern())
    _pump(qapp, 0.2)
