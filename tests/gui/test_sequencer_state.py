"""SequencerState: every edit kind is undoable, gestures merge, load_snapshot is one step."""

from __future__ import annotations

import pytest

from desktop_app.domain.pattern import SnapshotError, demo_pattern, empty_pattern
from desktop_app.state.sequencer_state import SequencerState


@pytest.fixture
def state(qtbot):
    return SequencerState(None, pattern=demo_pattern())


def snap(state: SequencerState) -> dict:
    return state.snapshot()


def test_starts_with_the_given_pattern_and_an_empty_history(state):
    assert state.pattern.to_snapshot() == demo_pattern().to_snapshot()
    assert state.undo_stack.count() == 0
    assert not state.is_playing
    assert state.current_step == -1


def test_toggle_step_undo_redo(state, qtbot):
    before = snap(state)
    with qtbot.waitSignal(state.patternChanged):
        assert state.toggle_step(0, 1) == 100
    assert state.pattern.tracks[0].steps[1] == 100
    state.undo_stack.undo()
    assert snap(state) == before
    state.undo_stack.redo()
    assert state.pattern.tracks[0].steps[1] == 100
    assert state.undo_stack.undoText() == "Toggle step"


def test_steps_with_one_gesture_are_one_undo_step(state):
    before = snap(state)
    g = state.new_gesture()
    for step in (1, 2, 3):
        state.set_step(0, step, 100, g, "Paint steps")
    assert state.undo_stack.count() == 1
    assert state.pattern.tracks[0].steps[1:4] == [100, 100, 100]
    state.undo_stack.undo()
    assert snap(state) == before


def test_separate_gestures_are_separate_steps(state):
    state.set_step(0, 1, 100, state.new_gesture())
    state.set_step(0, 2, 100, state.new_gesture())
    assert state.undo_stack.count() == 2


def test_a_gesture_that_ends_where_it_began_leaves_no_step(state):
    g = state.new_gesture()
    state.set_step(0, 0, 64, g)
    state.set_step(0, 0, 112, g)  # back to the demo's velocity
    assert state.undo_stack.count() == 0
    assert state.pattern.tracks[0].steps[0] == 112


def test_unchanged_value_pushes_nothing(state):
    state.set_step(0, 0, 112)
    state.set_volume(0, state.pattern.tracks[0].volume)
    state.set_bpm(state.pattern.bpm)
    assert state.undo_stack.count() == 0


def test_volume_drag_merges_into_one_step(state):
    old = state.pattern.tracks[1].volume
    g = state.new_gesture()
    for v in (0.5, 0.4, 0.3, 0.25):
        state.set_volume(1, v, g)
    assert state.undo_stack.count() == 1
    assert state.pattern.tracks[1].volume == 0.25
    state.undo_stack.undo()
    assert state.pattern.tracks[1].volume == old
    state.undo_stack.redo()
    assert state.pattern.tracks[1].volume == 0.25


@pytest.mark.parametrize(
    ("method", "args", "field", "value"),
    [
        ("set_pan", (2, -0.5), "pan", -0.5),
        ("set_mute", (2, True), "mute", True),
        ("set_solo", (2, True), "solo", True),
        ("rename_track", (2, "Handclap"), "name", "Handclap"),
        ("set_volume", (2, 0.1), "volume", 0.1),
    ],
)
def test_track_property_edits_are_undoable(state, method, args, field, value):
    before = snap(state)
    getattr(state, method)(*args)
    assert getattr(state.pattern.tracks[2], field) == value
    assert state.undo_stack.count() == 1
    state.undo_stack.undo()
    assert snap(state) == before


@pytest.mark.parametrize(
    ("method", "arg", "check"),
    [
        ("set_bpm", 90.0, lambda p: p.bpm == 90.0),
        ("set_swing", 0.4, lambda p: p.swing == 0.4),
        ("set_length", 32, lambda p: p.length == 32 and len(p.tracks[0].steps) == 32),
        ("set_length", 8, lambda p: p.length == 8 and p.tracks[4].steps == [0] * 8),
        ("set_steps_per_beat", 3, lambda p: p.steps_per_beat == 3),
        ("add_track", "rim", lambda p: len(p.tracks) == 9 and p.tracks[8].sample == "rim"),
        ("remove_track", 3, lambda p: [t.name for t in p.tracks][3] == "Open hat"),
        ("duplicate_track", 0, lambda p: p.tracks[1].steps == p.tracks[0].steps),
        ("clear_track", 0, lambda p: not any(p.tracks[0].steps)),
    ],
)
def test_pattern_edits_are_undoable(state, method, arg, check):
    before = snap(state)
    getattr(state, method)(arg)
    assert check(state.pattern)
    state.undo_stack.undo()
    assert snap(state) == before
    state.undo_stack.redo()
    assert check(state.pattern)


def test_shortening_then_undo_restores_the_cut_steps(state):
    state.set_length(4)
    state.undo_stack.undo()
    assert state.pattern.tracks[4].steps[14] == 90  # the open hat beyond step 4


def test_clear_all_is_one_step(state):
    before = snap(state)
    state.clear_all()
    assert all(not any(t.steps) for t in state.pattern.tracks)
    assert state.undo_stack.count() == 1
    state.undo_stack.undo()
    assert snap(state) == before


def test_load_snapshot_is_undoable(state, qtbot):
    before = snap(state)
    other = empty_pattern(32).to_snapshot()
    other["bpm"] = 96.0
    with qtbot.waitSignal(state.patternChanged):
        state.load_snapshot(other, "Load pattern from Ana")
    assert state.pattern.bpm == 96.0 and state.pattern.length == 32
    assert state.undo_stack.undoText() == "Load pattern from Ana"
    state.undo_stack.undo()
    assert snap(state) == before
    state.undo_stack.redo()
    assert state.snapshot()["bpm"] == 96.0


def test_bad_snapshot_raises_and_changes_nothing(state):
    before = snap(state)
    with pytest.raises(SnapshotError, match="bpm"):
        state.load_snapshot({**before, "bpm": 9000})
    assert snap(state) == before
    assert state.undo_stack.count() == 0


def test_invalid_values_never_reach_the_stack(state):
    with pytest.raises(ValueError):
        state.rename_track(0, "   ")
    with pytest.raises(IndexError):
        state.set_step(0, 99, 100)
    with pytest.raises(ValueError):
        state.set_bpm(5)
    assert state.undo_stack.count() == 0


def test_set_pattern_is_a_new_document(state):
    state.toggle_step(0, 1)
    state.set_pattern(empty_pattern())
    assert state.undo_stack.count() == 0
    assert not any(state.pattern.tracks[0].steps)


def test_without_engine_the_transport_is_inert(state, qtbot):
    with qtbot.assertNotEmitted(state.playingChanged):
        state.play()
        state.stop()
    assert not state.is_playing
    assert "kick" in state.sample_names()


def test_paste_is_one_undo_step_and_a_paste_that_changes_nothing_leaves_none(state):
    before = snap(state)
    kick = state.track_clip(0)
    state.paste_clip(7, kick[:8])  # repeated over 16 steps
    assert state.pattern.tracks[7].steps == kick
    assert state.undo_stack.count() == 1
    assert state.undo_stack.undoText() == "Paste steps into Rim"
    state.paste_clip(7, kick)  # the row holds it already
    assert state.undo_stack.count() == 1
    state.undo_stack.undo()
    assert snap(state) == before


def test_double_length_is_one_undo_step_and_stops_at_the_longest(state):
    before = snap(state)
    assert state.double_length() == 32
    assert state.pattern.tracks[0].steps[16:] == state.pattern.tracks[0].steps[:16]
    assert state.double_length() == 64
    assert state.double_length() == 64  # the longest: no change, no undo step
    assert state.undo_stack.count() == 2
    state.undo_stack.undo()
    state.undo_stack.undo()
    assert snap(state) == before
