"""The whole panel with the real engine on its clock: shortcuts, track headers, pattern
controls, add/remove track, and the playhead following what the engine plays."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from desktop_app.domain.pattern import empty_pattern
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.sequencer_panel import SequencerPanel
from desktop_app.ui.track_header import TrackHeader
from tests.gui.pixels import LEFT, NO_MOD, grab, mask_of
from tests.gui.shown_panel import shown_panel


@pytest.fixture
def engine(clock_engine):
    return clock_engine(1.0)


@pytest.fixture
def panel(qtbot, states):
    widget = shown_panel(qtbot, states, 1100, 480, active=True)
    widget.grid.setFocus()
    return widget


def state_of(panel: SequencerPanel) -> SequencerState:
    return panel._seq


def test_space_plays_and_the_playhead_follows_the_engine(qtbot, panel, engine):
    seq = state_of(panel)
    seen: list[int] = []
    seq.currentStepChanged.connect(seen.append)
    panel.play_action.trigger()  # what Space does
    qtbot.waitUntil(lambda: seq.is_playing, timeout=2000)
    assert panel.play_action.isChecked()
    # 122 BPM sixteenths last ~0.12 s: within a second the highlight has moved on
    qtbot.waitUntil(lambda: len({s for s in seen if s >= 0}) >= 4, timeout=3000)
    steps = [s for s in seen if s >= 0]
    assert steps[:3] == [0, 1, 2]
    assert panel.grid._current == seq.current_step == engine.current_step()
    panel.play_action.trigger()
    qtbot.waitUntil(lambda: not seq.is_playing, timeout=2000)
    assert seen[-1] == -1
    assert not panel.play_action.isChecked()


def test_shortcuts_are_bound(panel):
    assert panel.play_action.shortcut().toString() == "Space"
    assert panel.record_action.shortcut().toString() == "R"
    assert panel.undo_action.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in panel.redo_action.shortcuts()]


def test_space_key_reaches_the_play_action(qtbot, panel):
    seq = state_of(panel)
    qtbot.keyClick(panel.grid, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: seq.is_playing, timeout=2000)
    qtbot.keyClick(panel.grid, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not seq.is_playing, timeout=2000)


def test_ctrl_z_undoes_a_grid_edit(qtbot, panel):
    seq = state_of(panel)
    qtbot.mouseClick(panel.grid, LEFT, pos=panel.grid.cell_rect(0, 1).center())
    assert seq.pattern.tracks[0].steps[1] == 100
    qtbot.keyClick(panel.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert seq.pattern.tracks[0].steps[1] == 0
    qtbot.keyClick(
        panel.grid,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert seq.pattern.tracks[0].steps[1] == 100


def test_record_action_records_a_take(qtbot, panel):
    rec = panel._rec
    with qtbot.waitSignal(rec.recordingChanged):
        panel.record_action.trigger()
    assert panel.record_action.isChecked()
    qtbot.wait(200)
    with qtbot.waitSignal(rec.finished, timeout=3000):
        panel.record_action.trigger()
    assert not panel.record_action.isChecked()
    assert "Take ready" in panel.transport.status.text()
    assert rec.last_result is not None and rec.last_result.mp3_path.exists()


def test_mute_and_solo_buttons(qtbot, panel):
    seq = state_of(panel)
    header = panel.headers.headers[2]
    qtbot.mouseClick(header.mute_button, LEFT)
    assert seq.pattern.tracks[2].mute
    qtbot.mouseClick(header.solo_button, LEFT)
    assert seq.pattern.tracks[2].solo
    seq.undo_stack.undo()
    assert not seq.pattern.tracks[2].solo
    assert not header.solo_button.isChecked()  # the button follows the state
    seq.undo_stack.undo()
    assert not header.mute_button.isChecked()


def test_volume_drag_is_one_undo_step(qtbot, panel):
    seq = state_of(panel)
    bar = panel.headers.headers[0].volume_bar
    y = bar.height() // 2
    qtbot.mousePress(bar, LEFT, NO_MOD, QPoint(30, y))
    for x in (25, 20, 15, 10):
        qtbot.mouseMove(bar, QPoint(x, y))
    qtbot.mouseRelease(bar, LEFT, NO_MOD, QPoint(10, y))
    assert seq.pattern.tracks[0].volume < 0.7
    assert seq.undo_stack.count() == 1
    seq.undo_stack.undo()
    assert seq.pattern.tracks[0].volume == 0.9
    assert bar.value() == 0.9


def test_double_click_renames_a_track(qtbot, panel):
    seq = state_of(panel)
    name = panel.headers.headers[1].name_edit
    assert name.isReadOnly()
    qtbot.mouseDClick(name, LEFT)
    assert name.editing
    name.selectAll()
    qtbot.keyClicks(name, "Big snare")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert seq.pattern.tracks[1].name == "Big snare"
    assert not name.editing
    seq.undo_stack.undo()
    assert name.text() == "Snare"


def test_escape_cancels_a_rename(qtbot, panel):
    seq = state_of(panel)
    name = panel.headers.headers[1].name_edit
    qtbot.mouseDClick(name, LEFT)
    qtbot.keyClicks(name, "zzz")
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert seq.pattern.tracks[1].name == "Snare"
    assert name.text() == "Snare"
    assert seq.undo_stack.count() == 0


def test_add_track_menu_lists_the_kit_and_adds_a_row(qtbot, panel, kit):
    seq = state_of(panel)
    labels = [a.text() for a in panel.add_track_menu.actions() if not a.isSeparator()]
    assert labels[-1] == "Audio file…"  # after the kit's sounds
    labels = labels[:-1]
    assert len(labels) == len(kit.samples)
    assert "Closed hat" in labels
    rim = next(a for a in panel.add_track_menu.actions() if a.text() == "Rim")
    rim.trigger()
    assert len(seq.pattern.tracks) == 9
    assert len(panel.headers.headers) == 9
    assert seq.pattern.tracks[8].sample == "rim"
    seq.undo_stack.undo()
    assert len(panel.headers.headers) == 8
    clap = next(a for a in panel.add_track_menu.actions() if a.text() == "Clap")
    clap.trigger()  # the demo already has a Clap: the new rows get names of their own
    clap.trigger()
    names = [t.name for t in seq.pattern.tracks]
    assert names[-3:] == ["Rim", "Clap 2", "Clap 3"] and names.count("Clap") == 1
    assert [h.name_edit.text() for h in panel.headers.headers][-2:] == ["Clap 2", "Clap 3"]
    seq.undo_stack.undo()
    seq.undo_stack.undo()
    visible = [h for h in panel.headers.findChildren(TrackHeader) if h.isVisible()]
    assert len(visible) == 8  # the removed row is gone at once, not after a deferred delete


def test_remove_track_from_its_menu(qtbot, panel):
    seq = state_of(panel)
    header = panel.headers.headers[0]
    remove = next(a for a in header.menu_button.menu().actions() if a.text() == "Remove track")
    remove.trigger()
    assert seq.pattern.tracks[0].name == "Snare"
    assert panel.headers.headers[0].name_edit.text() == "Snare"
    seq.undo_stack.undo()
    assert panel.headers.headers[0].name_edit.text() == "Kick"


def test_pattern_controls_edit_and_follow(qtbot, panel):
    seq = state_of(panel)
    controls = panel.pattern_controls
    controls.bpm.setValue(90.0)
    assert seq.pattern.bpm == 90.0
    controls.length.setValue(32)
    assert seq.pattern.length == 32
    assert panel.grid.sizeHint().width() > 1000
    controls.swing.setValue(30)
    assert seq.pattern.swing == 0.3
    controls.grid.setCurrentIndex(controls.grid.findData(3))
    assert seq.pattern.steps_per_beat == 3
    assert controls.length.value() == 24  # regrouped: the same 8 beats, in triplets
    seq.load_snapshot(empty_pattern(64).to_snapshot())
    assert controls.length.value() == 64
    assert controls.bpm.value() == 120.0
    seq.undo_stack.undo()
    assert controls.length.value() == 24


def test_wheel_nudges_of_the_tempo_merge(qtbot, panel):
    seq = state_of(panel)
    for _ in range(5):
        panel.pattern_controls.bpm.stepUp()
    assert seq.pattern.bpm == 127.0
    assert seq.undo_stack.count() == 1


def test_64_steps_and_12_tracks_scroll(qtbot, panel):
    seq = state_of(panel)
    big = empty_pattern(64)
    for i in range(4):
        big.add_track(f"Extra {i}", "rim")
    seq.set_pattern(big)
    QApplication.processEvents()
    hbar = panel.grid_scroll.horizontalScrollBar()
    vbar = panel.grid_scroll.verticalScrollBar()
    assert hbar.maximum() > 0 and vbar.maximum() > 0
    hbar.setValue(hbar.maximum())
    vbar.setValue(vbar.maximum())
    # the headers move with the grid rows
    assert panel.headers.y() == -vbar.value()
    assert panel.ruler._offset == hbar.value()


def test_level_meter_and_clock_formatting(qtbot):
    from desktop_app.ui.level_meter import FLOOR_DB, LevelMeter
    from desktop_app.ui.transport_bar import format_elapsed

    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.set_level(1.0)
    assert meter.level_db == 0.0
    meter.set_level(0.1)  # falls back gently, not at once
    assert -20.0 < meter.level_db < 0.0
    meter.set_level(0.0)  # stopped: empty at once
    assert meter.level_db == FLOOR_DB
    assert format_elapsed(0) == "0:00.0"
    assert format_elapsed(83.25) == "1:23.2"


def test_take_clock_shows_bars_and_beats_while_recording(qtbot, panel):
    import re

    rec = panel._rec
    rec.start()
    qtbot.waitUntil(
        lambda: re.fullmatch(r"\d+\.\d · 0:00\.[3-9]", panel.transport.clock.text()) is not None,
        timeout=5000,
    )
    rec.stop()
    assert re.fullmatch(r"\d+:\d\d\.\d", panel.transport.clock.text())


def test_a_long_track_name_ends_in_an_ellipsis_not_mid_letter(qtbot, panel):
    """Hydrogen kits bring names like "Hat Semi-Open" and "Snare Rimshot": the header's
    line edit cut them mid-letter at its right edge ("Hat Semi-Oper")."""
    seq = state_of(panel)
    long_name = "Hat Semi-Open Brushed Left Hand"
    seq.rename_track(1, long_name)
    name = panel.headers.headers[1].name_edit
    qtbot.waitUntil(lambda: name.name == long_name)

    shown = name.text()
    assert shown.endswith("…") and long_name.startswith(shown[:-1])
    pixels = grab(name)
    text = mask_of(pixels, theme.TEXT, tolerance=90)
    columns = np.flatnonzero(text.any(axis=0))
    assert columns.size, "the name is painted"
    assert columns.max() < pixels.shape[1] - 4  # room left at the edge: nothing cut

    qtbot.mouseDClick(name, LEFT)  # editing shows (and keeps) the whole name
    assert name.editing and name.text() == long_name
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert name.name == long_name and name.text().endswith("…")
    assert seq.pattern.tracks[1].name == long_name
