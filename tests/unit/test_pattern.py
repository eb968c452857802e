"""The pattern model and its snapshot format 0.0.1 (0.1.0 additions: test_pattern_0_1.py)."""

from __future__ import annotations

import json

import pytest

from desktop_app.domain.pattern import (
    BASE_VERSION,
    DEFAULT_KIT_SAMPLES,
    FORMAT,
    Pattern,
    SnapshotError,
    demo_pattern,
    empty_pattern,
)
from desktop_app.domain.track import Track


def snapshot(**overrides) -> dict:
    data = demo_pattern().to_snapshot()
    data.update(overrides)
    return data


# ---- round trips -------
def test_snapshot_round_trips_through_json() -> None:
    original = demo_pattern()
    data = json.loads(json.dumps(original.to_snapshot()))
    assert data["format"] == FORMAT and data["version"] == BASE_VERSION
    again = Pattern.from_snapshot(data)
    assert again == original
    assert again.to_snapshot() == original.to_snapshot()


def test_snapshot_matches_the_documented_shape() -> None:
    data = demo_pattern().to_snapshot()
    assert set(data) == {
        "format",
        "version",
        "bpm",
        "swing",
        "steps_per_beat",
        "length",
        "kit",
        "tracks",
    }
    assert set(data["tracks"][0]) == {"name", "sample", "volume", "pan", "mute", "solo", "steps"}
    assert all(len(t["steps"]) == data["length"] for t in data["tracks"])


def test_unknown_keys_survive_a_round_trip_at_both_levels() -> None:
    data = snapshot(groove_template={"feel": "mpc", "amount": [1, 2]}, author="ana")
    data["tracks"][1]["color"] = "#ff8800"
    data["tracks"][1]["probability"] = [1.0] * 16
    pattern = Pattern.from_snapshot(data)
    pattern.set_bpm(130)
    pattern.toggle_step(1, 3)
    out = pattern.to_snapshot()
    assert out["groove_template"] == {"feel": "mpc", "amount": [1, 2]}
    assert out["author"] == "ana"
    assert out["tracks"][1]["color"] == "#ff8800"
    assert out["tracks"][1]["probability"] == [1.0] * 16
    # Known keys are never shadowed by the preserved extras.
    assert out["bpm"] == 130.0


def test_unknown_keys_are_copied_not_shared() -> None:
    data = snapshot(extra={"list": [1]})
    pattern = Pattern.from_snapshot(data)
    data["extra"]["list"].append(2)
    assert pattern.to_snapshot()["extra"] == {"list": [1]}


def test_copy_is_independent() -> None:
    a = demo_pattern()
    b = a.copy()
    b.toggle_step(0, 1)
    b.tracks[0].name = "Other"
    assert a.tracks[0].steps[1] == 0 and a.tracks[0].name == "Kick"


def test_missing_optional_fields_take_defaults() -> None:
    pattern = Pattern.from_snapshot(
        {"tracks": [{"name": "K", "sample": "kick", "steps": [1] * 16}]}
    )
    assert (pattern.bpm, pattern.swing, pattern.length, pattern.kit) == (120.0, 0.0, 16, "default")
    t = pattern.tracks[0]
    assert (t.volume, t.pan, t.mute, t.solo) == (0.8, 0.0, False, False)


def test_integral_floats_are_accepted_as_whole_numbers() -> None:
    data = snapshot(length=16.0)
    data["tracks"][0]["steps"][0] = 100.0
    pattern = Pattern.from_snapshot(data)
    assert pattern.length == 16 and pattern.tracks[0].steps[0] == 100
    assert isinstance(pattern.tracks[0].steps[0], int)


# ---- versions -------
@pytest.mark.parametrize("version", ["0.1.1", "0.2.0", "1.0.0", "0.1.0.1"])
def test_newer_versions_are_refused_clearly(version: str) -> None:
    with pytest.raises(
        SnapshotError, match=rf"newer Sequencer \(format version {version};.*Update"
    ):
        Pattern.from_snapshot(snapshot(version=version))


def test_older_or_equal_versions_load() -> None:
    Pattern.from_snapshot(snapshot(version="0.0.1"))
    Pattern.from_snapshot(snapshot(version="0.0.0"))


@pytest.mark.parametrize("version", ["abc", "1.x", 1])
def test_garbage_versions_are_named(version) -> None:
    with pytest.raises(SnapshotError, match=r"The format version .* is not a version number"):
        Pattern.from_snapshot(snapshot(version=version))


def test_other_formats_are_refused() -> None:
    with pytest.raises(
        SnapshotError, match=r"not a Sequencer pattern: its \"format\" is 'other\.thing'"
    ):
        Pattern.from_snapshot(snapshot(format="other.thing"))


# ---- validation messages name the field and the value -------
def _track_error(field: str, value, index: int = 2) -> str:
    data = snapshot()
    data["tracks"][index][field] = value
    with pytest.raises(SnapshotError) as info:
        Pattern.from_snapshot(data)
    return str(info.value)


def test_velocity_out_of_range_names_track_step_and_value() -> None:
    data = snapshot()
    data["tracks"][2]["steps"][5] = 200
    with pytest.raises(SnapshotError) as info:
        Pattern.from_snapshot(data)
    assert str(info.value) == (
        "The velocity of track 3, step 6 must be a whole number from 0 to 127, not 200."
    )
    assert info.value.field == "tracks[2].steps[5]"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, "The velocity of track 3, step 6 must be a whole number from 0 to 127, not -1."),
        (64.5, "The velocity of track 3, step 6 must be a whole number from 0 to 127, not 64.5."),
        ("loud", "The velocity of track 3, step 6 must be a number, not 'loud'."),
        (True, "The velocity of track 3, step 6 must be a number, not True."),
        (None, "The velocity of track 3, step 6 must be a number, not None."),
    ],
)
def test_bad_velocities(value, expected: str) -> None:
    data = snapshot()
    data["tracks"][2]["steps"][5] = value
    with pytest.raises(SnapshotError) as info:
        Pattern.from_snapshot(data)
    assert str(info.value) == expected


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("volume", 1.5, 'Track 3\'s volume must be between 0 and 1, not 1.5 (the "volume" field).'),
        ("pan", -2, 'Track 3\'s pan must be between -1 and 1, not -2 (the "pan" field).'),
        ("pan", float("nan"), 'Track 3\'s pan must be a number, not nan (the "pan" field).'),
        (
            "mute",
            "yes",
            "Track 3's mute switch must be true or false, not 'yes' (the \"mute\" field).",
        ),
        ("solo", 1, 'Track 3\'s solo switch must be true or false, not 1 (the "solo" field).'),
        ("name", "", 'Track 3\'s name is empty (the "name" field).'),
        ("sample", 7, 'Track 3\'s sound must be text, not 7 (the "sample" field).'),
        (
            "steps",
            [0] * 15,
            'Track 3 has 15 steps, but the pattern is 16 steps long (the "steps" field).',
        ),
        (
            "steps",
            "x" * 16,
            'Track 3\'s steps must be a list of velocities, not text (the "steps" field).',
        ),
    ],
)
def test_bad_track_fields(field: str, value, expected: str) -> None:
    assert _track_error(field, value) == expected


def test_missing_track_keys_are_named() -> None:
    data = snapshot()
    del data["tracks"][4]["sample"]
    with pytest.raises(SnapshotError) as info:
        Pattern.from_snapshot(data)
    assert str(info.value) == 'Track 5 has no sound (the "sample" field is missing).'
    assert info.value.field == "tracks[4].sample"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("bpm", 10, 'The tempo must be between 20 and 300, not 10 (the "bpm" field).'),
        ("bpm", 301.5, 'The tempo must be between 20 and 300, not 301.5 (the "bpm" field).'),
        ("bpm", "fast", "The tempo must be a number, not 'fast' (the \"bpm\" field)."),
        ("swing", 0.8, 'The swing must be between 0 and 0.75, not 0.8 (the "swing" field).'),
        ("length", 0, 'The pattern length must be between 1 and 64, not 0 (the "length" field).'),
        ("length", 65, 'The pattern length must be between 1 and 64, not 65 (the "length" field).'),
        ("length", 8.5, 'The pattern length must be a whole number, not 8.5 (the "length" field).'),
        ("tracks", {}, 'The tracks must be a list, not an object (the "tracks" field).'),
        ("kit", "", 'The kit name is empty (the "kit" field).'),
        (
            "steps_per_beat",
            0,
            "The number of steps per beat must be between 1 and 16, not 0"
            ' (the "steps_per_beat" field).',
        ),
    ],
)
def test_bad_pattern_fields(field: str, value, expected: str) -> None:
    with pytest.raises(SnapshotError) as info:
        Pattern.from_snapshot(snapshot(**{field: value}))
    assert str(info.value) == expected


def test_not_an_object() -> None:
    with pytest.raises(
        SnapshotError, match="This is not a pattern: expected an object, got a list"
    ):
        Pattern.from_snapshot([1, 2])
    data = snapshot()
    data["tracks"][0] = 5
    with pytest.raises(SnapshotError, match="Track 1 is not a track: expected an object, got a"):
        Pattern.from_snapshot(data)


def test_snapshot_error_is_a_value_error() -> None:
    assert issubclass(SnapshotError, ValueError)


# ---- edits -------
def test_toggle_step_switches_on_and_off() -> None:
    p = empty_pattern()
    assert p.toggle_step(0, 3) == 100
    assert p.tracks[0].steps[3] == 100
    assert p.toggle_step(0, 3) == 0
    assert p.tracks[0].steps[3] == 0
    assert p.toggle_step(0, 3, velocity=55) == 55


def test_set_velocity_validates_like_the_loader() -> None:
    p = empty_pattern()
    p.set_velocity(1, 2, 127)
    assert p.tracks[1].steps[2] == 127
    with pytest.raises(
        SnapshotError, match="velocity of track 2, step 3 must be between 0 and 127"
    ):
        p.set_velocity(1, 2, 128)
    with pytest.raises(IndexError, match="step 16 is outside 0-15"):
        p.set_velocity(1, 16, 1)
    with pytest.raises(IndexError, match="track 9 does not exist"):
        p.set_velocity(9, 0, 1)


def test_change_length_keeps_steps_that_fit() -> None:
    p = empty_pattern(16)
    p.set_velocity(0, 3, 90)
    p.set_velocity(0, 12, 80)
    p.set_length(8)
    assert p.length == 8 and all(len(t.steps) == 8 for t in p.tracks)
    assert p.tracks[0].steps[3] == 90
    p.set_length(32)
    assert len(p.tracks[0].steps) == 32
    assert p.tracks[0].steps[3] == 90 and p.tracks[0].steps[12] == 0
    with pytest.raises(SnapshotError, match="length must be between 1 and 64, not 65"):
        p.set_length(65)
    # Still loadable after the edits.
    assert Pattern.from_snapshot(p.to_snapshot()) == p


def test_add_remove_rename_tracks() -> None:
    p = empty_pattern(12)
    t = p.add_track("Cowbell", "cowbell")
    assert p.tracks[-1] is t and t.steps == [0] * 12
    p.add_track("First", "kick", index=0)
    assert p.tracks[0].name == "First"
    removed = p.remove_track(0)
    assert removed.name == "First"
    p.rename_track(0, "Big kick")
    assert p.tracks[0].name == "Big kick"
    with pytest.raises(SnapshotError, match="Track 1's name is empty"):
        p.rename_track(0, "  ")
    with pytest.raises(IndexError):
        p.remove_track(42)
    with pytest.raises(SnapshotError, match="The track's sound is empty"):
        p.add_track("X", "")


def test_unique_track_names() -> None:
    p = empty_pattern()
    assert p.unique_track_name("Cowbell") == "Cowbell"
    assert p.unique_track_name("Clap") == "Clap 2"
    assert p.unique_track_name("clap") == "clap 2"  # names differing in case alone confuse too
    p.add_track("Clap 2", "clap")
    assert p.unique_track_name("Clap") == "Clap 3"


def test_mute_solo_and_audible() -> None:
    p = empty_pattern()
    assert all(p.audible(i) for i in range(len(p.tracks)))
    p.set_mute(1, True)
    assert not p.audible(1) and p.audible(0)
    p.set_solo(2, True)
    assert [p.audible(i) for i in range(4)] == [False, False, True, False]
    # Solo wins over mute.
    p.set_mute(2, True)
    assert p.audible(2)
    p.set_solo(2, False)
    assert not p.audible(2) and p.audible(0)


def test_bpm_swing_volume_pan_are_validated() -> None:
    p = empty_pattern()
    p.set_bpm(90)
    p.set_swing(0.5)
    p.set_volume(0, 0.25)
    p.set_pan(0, -1)
    assert (p.bpm, p.swing, p.tracks[0].volume, p.tracks[0].pan) == (90.0, 0.5, 0.25, -1.0)
    for call, arg, msg in (
        (p.set_bpm, 500, "The tempo must be between 20 and 300, not 500"),
        (p.set_swing, -0.1, "The swing must be between 0 and 0.75, not -0.1"),
    ):
        with pytest.raises(SnapshotError, match=msg):
            call(arg)
    with pytest.raises(SnapshotError, match="Track 1's volume must be between 0 and 1, not 2"):
        p.set_volume(0, 2)
    with pytest.raises(SnapshotError, match=r"Track 1's pan must be between -1 and 1, not 1\.5"):
        p.set_pan(0, 1.5)


def test_timing_helpers() -> None:
    p = empty_pattern(16)
    p.set_bpm(120)
    assert p.step_seconds == pytest.approx(0.125)
    assert p.pass_seconds == pytest.approx(2.0)


def test_demo_and_empty_patterns_use_the_default_kit() -> None:
    demo = demo_pattern()
    assert {t.sample for t in demo.tracks} == set(DEFAULT_KIT_SAMPLES)
    assert any(any(t.steps) for t in demo.tracks)
    empty = empty_pattern()
    assert [t.sample for t in empty.tracks] == list(DEFAULT_KIT_SAMPLES)
    assert not any(any(t.steps) for t in empty.tracks)
    assert Pattern.from_snapshot(demo.to_snapshot()) == demo


def test_metadata_summarises() -> None:
    meta = demo_pattern().metadata(loops=4, app_version="0.1.0")
    assert meta["bpm"] == 122.0 and meta["length"] == 16 and meta["tracks"] == 8
    assert meta["loops"] == 4 and meta["app_version"] == "0.1.0"
    assert meta["track_names"][0] == "Kick"


def test_track_to_dict_keeps_extras_but_known_keys_win() -> None:
    t = Track("A", "kick", [0, 1], extra={"name": "shadow", "x": 1})
    d = t.to_dict()
    assert d["name"] == "A" and d["x"] == 1


def test_a_snapshot_with_thousands_of_tracks_is_refused_in_words() -> None:
    """A bandmate's 1 MB snapshot of 20000 one-step tracks loaded, and building its rows
    froze the window for minutes; the most a pattern has is refused before any row."""
    from desktop_app.domain.pattern import MAX_TRACKS

    def snapshot(n: int) -> dict:
        tracks = [{"name": f"T{i}", "sample": "kick", "steps": [100]} for i in range(n)]
        return {"format": "sequencer.pattern", "version": "0.0.1", "length": 1, "tracks": tracks}

    assert len(Pattern.from_snapshot(snapshot(MAX_TRACKS)).tracks) == MAX_TRACKS
    with pytest.raises(
        SnapshotError, match=f"has 20000 tracks; a pattern has at most {MAX_TRACKS}"
    ):
        Pattern.from_snapshot(snapshot(20000))
    full = Pattern.from_snapshot(snapshot(MAX_TRACKS))
    with pytest.raises(SnapshotError, match="at most"):
        full.add_track("One more", "kick")  # what is made can be opened again


def test_json_that_is_no_pattern_is_refused_before_defaults_fill_it() -> None:
    """``{"not": "a pattern"}`` loaded as an empty 120 BPM grid over the musician's work."""
    from desktop_app.domain.pattern import check_pattern_document

    with pytest.raises(SnapshotError, match='no "format"'):
        check_pattern_document({"not": "a pattern"})
    with pytest.raises(SnapshotError, match="expected an object"):
        check_pattern_document([1, 2])
    check_pattern_document({"format": "sequencer.pattern"})
    check_pattern_document({"tracks": []})  # hand-written files name no format
