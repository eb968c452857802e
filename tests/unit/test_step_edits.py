"""The Edit menu's step operations on a pattern, without Qt: a copied row keeps its
velocities, a paste repeats a short row and cuts a long one, clears keep the tracks, and
doubling repeats the steps up to the longest pattern."""

from __future__ import annotations

import pytest

from desktop_app.domain import step_edits
from desktop_app.domain.pattern import LENGTH_RANGE, Pattern, demo_pattern, empty_pattern
from desktop_app.domain.step_edits import ClipError


def test_a_copied_track_keeps_its_velocities_and_is_a_copy() -> None:
    pattern = demo_pattern()
    clip = step_edits.copy_track(pattern, 3)  # the hats: two velocities
    assert clip == pattern.tracks[3].steps
    assert {80, 50} <= set(clip)
    clip[0] = 1
    assert pattern.tracks[3].steps[0] == 80


def test_copying_a_track_that_does_not_exist_is_refused() -> None:
    with pytest.raises(IndexError):
        step_edits.copy_track(demo_pattern(), 8)


def test_paste_of_the_same_length_replaces_the_row_with_its_velocities() -> None:
    pattern = demo_pattern()
    kick = step_edits.copy_track(pattern, 0)
    step_edits.paste_track(pattern, 7, kick)
    assert pattern.tracks[7].steps == kick
    assert pattern.tracks[7].name == "Rim" and pattern.tracks[7].sample == "rim"  # sound kept


def test_a_shorter_row_is_repeated_to_fill_the_track() -> None:
    pattern = empty_pattern(16)
    step_edits.paste_track(pattern, 2, [127, 0, 60, 0, 0, 0, 0, 0])
    assert pattern.tracks[2].steps == [127, 0, 60, 0, 0, 0, 0, 0] * 2


def test_a_row_that_does_not_divide_the_length_repeats_as_far_as_it_fits() -> None:
    pattern = empty_pattern(8)
    step_edits.paste_track(pattern, 0, [100, 0, 0])
    assert pattern.tracks[0].steps == [100, 0, 0, 100, 0, 0, 100, 0]


def test_a_longer_row_is_cut_at_the_end_of_the_pattern() -> None:
    pattern = empty_pattern(4)
    step_edits.paste_track(pattern, 1, [1, 2, 3, 4, 5, 6, 7, 8])
    assert pattern.tracks[1].steps == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("clip", "words"),
    [
        ([], "no steps"),
        ([100, 128], "Step 2"),
        ([100, -1], "Step 2"),
        ([1.5], "Step 1"),
        ([True], "Step 1"),
        ([0] * (LENGTH_RANGE[1] + 1), "more than a pattern holds"),
    ],
)
def test_a_clip_that_is_not_a_row_is_refused_before_anything_changes(clip, words) -> None:
    pattern = demo_pattern()
    before = pattern.to_snapshot()
    with pytest.raises(ClipError, match=words):
        step_edits.paste_track(pattern, 0, clip)
    assert pattern.to_snapshot() == before


def test_clear_track_silences_one_row_and_keeps_its_sound_and_mix() -> None:
    pattern = demo_pattern()
    others = [t.steps for t in pattern.tracks[1:]]
    volume, pan = pattern.tracks[0].volume, pattern.tracks[0].pan
    step_edits.clear_track(pattern, 0)
    assert pattern.tracks[0].steps == [0] * 16
    assert (pattern.tracks[0].volume, pattern.tracks[0].pan) == (volume, pan)
    assert [t.steps for t in pattern.tracks[1:]] == others


def test_clear_pattern_keeps_tracks_sounds_mix_tempo_and_length() -> None:
    pattern = demo_pattern()
    pattern.tracks[2].mute = True
    before = pattern.to_snapshot()
    step_edits.clear_pattern(pattern)
    after = pattern.to_snapshot()
    assert all(track["steps"] == [0] * 16 for track in after["tracks"])
    for track in before["tracks"]:
        track["steps"] = [0] * 16
    assert after == before


def test_double_repeats_every_track_in_the_added_half() -> None:
    pattern = demo_pattern()
    rows = [list(t.steps) for t in pattern.tracks]
    assert step_edits.double_pattern(pattern) == 32
    assert pattern.length == 32
    assert [t.steps for t in pattern.tracks] == [row * 2 for row in rows]
    assert Pattern.from_snapshot(pattern.to_snapshot()).length == 32  # still a valid pattern


def test_double_stops_at_the_longest_pattern() -> None:
    pattern = empty_pattern(40)
    pattern.tracks[0].steps = [i % 128 for i in range(40)]
    assert step_edits.doubled_length(pattern) == LENGTH_RANGE[1]
    assert step_edits.double_pattern(pattern) == 64
    assert pattern.tracks[0].steps == [i % 128 for i in range(40)] + list(range(24))
    full = empty_pattern(64)
    assert step_edits.double_pattern(full) == 64 and full.length == 64


def test_the_text_form_marks_accents_hits_and_rests() -> None:
    assert step_edits.clip_text([127, 0, 100, 0, 110, 1, 0, 0]) == "X.x.Xx.."
    assert step_edits.parse_clip_text("X.x.Xx..") == [127, 0, 100, 0, 127, 100, 0, 0]


def test_the_text_form_allows_spaces_bar_lines_and_dashes() -> None:
    row = step_edits.parse_clip_text(" x--- x---|\nx-x- ")
    assert row == [100, 0, 0, 0] * 2 + [100, 0, 100, 0]


@pytest.mark.parametrize(
    "text", ["", "   ", "hello", "x..o", "x" * (LENGTH_RANGE[1] + 1), "." * 5000]
)
def test_text_that_is_not_a_row_is_refused(text) -> None:
    with pytest.raises(ClipError):
        step_edits.parse_clip_text(text)


def test_the_clipboard_data_round_trips_every_velocity() -> None:
    clip = [127, 0, 33, 1, 0, 100]
    assert step_edits.clip_from_json(step_edits.clip_json(clip)) == clip


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"format": "other", "steps": [1]}',
        b'{"format": "sequencer.steps", "steps": "x..."}',
        b'{"format": "sequencer.steps", "steps": [300]}',
        b" " * 10_000,
    ],
)
def test_clipboard_data_that_is_not_steps_is_refused(data) -> None:
    with pytest.raises(ClipError):
        step_edits.clip_from_json(data)
