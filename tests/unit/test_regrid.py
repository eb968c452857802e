"""Changing steps-per-beat regroups the steps: every hit keeps its time (nearest step)."""

from __future__ import annotations

from desktop_app.domain.pattern import Pattern
from desktop_app.domain.track import Track


def pattern(steps: list[int], spb: int = 4) -> Pattern:
    return Pattern(
        bpm=120.0, length=len(steps), steps_per_beat=spb, tracks=[Track("K", "kick", steps)]
    )


def hit_times(p: Pattern) -> list[float]:
    """Beats at which hits fall."""
    return [s / p.steps_per_beat for s, v in enumerate(p.tracks[0].steps) if v]


def test_sixteenths_to_triplets_keep_the_beats() -> None:
    p = pattern([100, 0, 0, 0, 90, 0, 0, 0, 80, 0, 0, 0, 70, 0, 0, 0])
    report = p.regrid(3)
    assert p.length == 12 and p.steps_per_beat == 3
    assert hit_times(p) == [0.0, 1.0, 2.0, 3.0]
    assert p.tracks[0].steps[::3] == [100, 90, 80, 70]
    assert report.moved == report.merged == report.dropped == 0
    assert "every hit kept its time" in report.describe(3)


def test_off_grid_hits_move_to_the_nearest_step_and_say_so() -> None:
    p = pattern([100, 60, 0, 50, 0, 0, 0, 0])  # 1/16 steps 1 and 3 are not on a triplet
    report = p.regrid(3)
    assert p.length == 6
    # step 1 (0.25 beat) → triplet step 1 (0.33), step 3 (0.75) → triplet step 2 (0.67)
    assert p.tracks[0].steps == [100, 60, 50, 0, 0, 0]
    assert report.moved == 2 and report.merged == 0
    assert report.describe(3) == "Grid set to 3 steps a beat: 2 hits moved to the nearest step."


def test_collisions_keep_the_louder_hit() -> None:
    p = pattern([40, 0, 90, 60], spb=4)
    report = p.regrid(2)  # 1/16 → 1/8: step 3 (a tie) goes to 1/8 step 2 → past the end
    assert p.length == 2
    assert p.tracks[0].steps == [40, 90]
    assert (report.moved, report.merged, report.dropped) == (0, 0, 1)
    p = pattern([40, 0, 90, 60, 0, 0, 0, 0], spb=4)
    report = p.regrid(2)  # step 3 (a tie, 1.5 steps of 1/8) goes to step 2
    assert p.tracks[0].steps == [40, 90, 60, 0]
    assert (report.moved, report.merged) == (1, 0)
    p2 = pattern([0, 30, 70, 0, 0, 0, 0, 0], spb=4)
    report2 = p2.regrid(2)  # step 1 → 1/8 step 1 = step 2's place: merged, louder kept
    assert p2.tracks[0].steps == [0, 70, 0, 0]
    assert (report2.moved, report2.merged) == (1, 1)


def test_back_and_forth_is_exact_for_hits_on_the_common_grid() -> None:
    p = pattern([127, 0, 0, 0] * 4)
    p.regrid(8)
    assert p.length == 32
    p.regrid(4)
    assert p.tracks[0].steps == [127, 0, 0, 0] * 4


def test_the_sequencer_state_regroups_says_so_and_undoes(qtbot) -> None:
    from desktop_app.state.sequencer_state import SequencerState

    state = SequencerState(None, pattern=pattern([100, 60, 0, 50, 90, 0, 0, 0]))
    with qtbot.waitSignal(state.notice) as said:
        state.set_steps_per_beat(3)
    assert said.args == ["Grid set to 3 steps a beat: 2 hits moved to the nearest step."]
    assert hit_times(state.pattern) == [0.0, 1 / 3, 2 / 3, 1.0]
    state.undo_stack.undo()
    assert state.pattern.steps_per_beat == 4
    assert state.pattern.tracks[0].steps == [100, 60, 0, 50, 90, 0, 0, 0]
