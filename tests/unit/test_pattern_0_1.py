"""Snapshot format 0.1.0: own samples, pitch, decay and choke groups on tracks.

What matters to musicians: a pattern that uses none of it stays 0.0.1 byte for byte (seed
clients keep playing it), one that does is written as 0.1.0 (a 0.0.1 client refuses it
with its "newer version" message instead of playing the wrong sounds), and every value is
checked like the rest of the snapshot.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.domain.pattern import BASE_VERSION, VERSION, Pattern, SnapshotError, demo_pattern
from desktop_app.domain.track import HAT_CHOKE_GROUP, Track

SHA = "ab" * 32
SCHEMA = Path(__file__).resolve().parents[2] / "resources/schemas/0.1.0/pattern/pattern.json"


def test_a_pattern_without_new_features_is_written_as_0_0_1_unchanged() -> None:
    data = demo_pattern().to_snapshot()
    assert data["version"] == BASE_VERSION
    assert all(
        set(t) == {"name", "sample", "volume", "pan", "mute", "solo", "steps"}
        for t in data["tracks"]
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: p.set_own_sample(0, SHA, "808 kick.wav"),
        lambda p: p.set_pitch(1, -3.5),
        lambda p: p.set_decay(2, 0.25),
        lambda p: p.set_choke(0, 2),
        lambda p: p.set_choke(3, 0),  # the closed hat taken out of the hat group
    ],
)
def test_using_any_new_field_writes_0_1_0_and_round_trips(edit) -> None:
    pattern = demo_pattern()
    edit(pattern)
    data = json.loads(json.dumps(pattern.to_snapshot()))
    assert data["version"] == VERSION == "0.1.0"
    again = Pattern.from_snapshot(data)
    assert again == pattern
    assert again.to_snapshot() == data


def test_own_sample_fields_and_refs() -> None:
    pattern = demo_pattern()
    pattern.set_own_sample(0, SHA, "808 kick.wav")
    pattern.set_own_sample(5, SHA, "808 kick.wav")
    pattern.set_own_sample(6, "cd" * 32)
    track = pattern.tracks[0]
    assert track.own_sample and track.sample == "kick" and track.sound_label == "808 kick.wav"
    assert pattern.tracks[6].sound_label == "sample cdcdcdcd"
    assert pattern.sample_refs() == [SHA, "cd" * 32]
    pattern.set_own_sample(0, None)
    assert not pattern.tracks[0].own_sample and pattern.tracks[0].sound_label == "kick"
    assert pattern.sample_refs() == [SHA, "cd" * 32]


def test_default_choke_keeps_the_hat_pair_together() -> None:
    pattern = demo_pattern()
    groups = {t.sample: t.choke_group for t in pattern.tracks}
    assert groups["closed_hat"] == groups["open_hat"] == HAT_CHOKE_GROUP
    assert groups["kick"] == groups["snare"] == 0
    # An own sample on the closed-hat track is no longer a kit hat.
    pattern.set_own_sample(3, SHA, "hat.wav")
    assert pattern.tracks[3].choke_group == 0
    # Writing the default explicitly is not a 0.1.0 feature.
    pattern = demo_pattern()
    pattern.set_choke(3, HAT_CHOKE_GROUP)
    assert pattern.to_snapshot()["version"] == BASE_VERSION


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("sample_sha256", "AB" * 32, "own sample must be a SHA-256"),
        ("sample_sha256", "../../etc/passwd", "own sample must be a SHA-256"),
        ("sample_sha256", 5, "own sample must be a SHA-256"),
        ("sample_name", "", "sample name is empty"),
        ("pitch", 25, "pitch must be between -24 and 24"),
        ("pitch", "up", "pitch must be a number"),
        ("decay", 0.0, "decay must be between 0.01 and 30"),
        ("decay", 31, "decay must be between 0.01 and 30"),
        ("choke", 17, "choke group must be between 0 and 16"),
        ("choke", 1.5, "choke group"),
    ],
)
def test_bad_values_are_refused_naming_the_track_and_field(key, value, words) -> None:
    data = demo_pattern().to_snapshot()
    data["version"] = VERSION
    data["tracks"][1][key] = value
    with pytest.raises(SnapshotError) as err:
        Pattern.from_snapshot(data)
    assert "Track 2's" in str(err.value) and words in str(err.value)
    assert err.value.field == f"tracks[1].{key}"


def test_track_defaults_are_unchanged_for_code_that_builds_tracks() -> None:
    track = Track("Kick", "kick", [0] * 4)
    assert (track.pitch, track.decay, track.choke, track.sample_sha256) == (0.0, None, None, None)
    assert not track.uses_0_1()


def test_schema_0_1_0_accepts_a_snapshot_with_every_new_field() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pattern = demo_pattern()
    pattern.set_own_sample(0, SHA, "808 kick.wav")
    pattern.set_pitch(0, 2)
    pattern.set_decay(0, 0.5)
    pattern.set_choke(1, 3)
    jsonschema.validate(pattern.to_snapshot(), json.loads(SCHEMA.read_text()))
