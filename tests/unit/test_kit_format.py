"""Saved kits: ``kit.json`` checked like a pattern, a kit made from a pattern's
tracks, and a kit applied to a pattern by track position as one change."""

from __future__ import annotations

import json

import pytest

from desktop_app.domain.kit_apply import (
    OwnSample,
    apply_kit,
    builtin_for,
    kit_from_pattern,
    sound_kind,
)
from desktop_app.domain.kit_format import (
    KIT_FORMAT,
    MAX_SOUNDS,
    KitFormatError,
    KitSound,
    KitSpec,
    check_file_name,
    read_kit_json,
    safe_file_name,
)
from desktop_app.domain.pattern import Pattern, demo_pattern
from desktop_app.domain.track import Track

SHA_A = "a" * 64
SHA_B = "b" * 64


def kit_json(sounds: object, **top: object) -> bytes:
    data = {"format": KIT_FORMAT, "version": "0.1.0", "name": "Dusty", "sounds": sounds}
    data.update(top)
    return json.dumps(data).encode()


def test_a_kit_round_trips_through_its_json() -> None:
    spec = KitSpec(
        "Dusty",
        (
            KitSound("Kick", file="kick.wav", volume=0.9, pan=-0.25, pitch=-2.0, decay=0.4),
            KitSound("Clap", builtin="clap", choke=3),
        ),
    )
    assert read_kit_json(spec.to_json().encode()) == spec
    assert spec.files == ["kick.wav"]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"{not json", "not valid JSON (line 1"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "must hold an object"),
        (kit_json([], format="other"), "not a Sequencer kit"),
        (kit_json([{"name": "K", "builtin": "kick"}], version="9.0.0"), "newer Sequencer"),
        (kit_json([]), "1 to 64 sounds"),
        (kit_json([{"name": "K", "builtin": "kick"}] * (MAX_SOUNDS + 1)), "1 to 64 sounds"),
        (kit_json([{"name": "K", "builtin": "kick"}], name=""), "kit's name must be text"),
        (kit_json([{"name": "K"}]), 'either a "file"'),
        (kit_json([{"name": "K", "file": "k.wav", "builtin": "kick"}]), "and not both"),
        (kit_json([{"name": "K", "builtin": "cowbell"}]), "'cowbell' is not one of"),
        (kit_json([{"name": "K", "builtin": "kick", "volume": 2}]), "volume must be between 0"),
        (kit_json([{"name": "K", "builtin": "kick", "pan": "left"}]), "pan must be a number"),
        (kit_json([{"name": "K", "builtin": "kick", "pitch": 30}]), "pitch must be between"),
        (kit_json([{"name": "K", "builtin": "kick", "choke": 1.5}]), "choke must be a whole"),
        (kit_json([{"name": "K", "builtin": "kick", "gain": 1}]), "fields a kit does not have"),
        (kit_json([{"name": "K", "file": "../../etc/passwd.wav"}]), "not a plain file name"),
        (kit_json([{"name": "K", "file": "/tmp/x.wav"}]), "not a plain file name"),
        (kit_json([{"name": "K", "file": "C:x.wav"}]), "not a plain file name"),
        (kit_json([{"name": "K", "file": ".hidden.wav"}]), "no leading dot"),
        (kit_json([{"name": "K", "file": "notes.txt"}]), "not an audio file"),
        (kit_json([{"name": "K", "file": "a\x00.wav"}]), "control characters"),
        (b" " * (300 * 1024), "at most 256 KB"),
    ],
)
def test_a_bad_kit_json_is_refused_naming_the_field(raw: bytes, words: str) -> None:
    with pytest.raises(KitFormatError, match=words.replace("(", r"\(")):
        read_kit_json(raw)


def test_the_sound_is_named_in_the_error() -> None:
    raw = kit_json([{"name": "Kick", "builtin": "kick"}, {"name": "Snare", "file": "x/y.wav"}])
    with pytest.raises(KitFormatError, match=r'Sound 2 \("Snare"\)\'s "file"'):
        read_kit_json(raw)


def test_safe_file_names_stay_in_the_folder_and_do_not_collide() -> None:
    assert safe_file_name("../../evil/Kick.WAV", [], ".wav") == "Kick.wav"
    assert safe_file_name("kick.wav", ["KICK.wav"], ".wav") == "kick 2.wav"
    assert safe_file_name("sub\\dir\\snare.flac", [], ".flac") == "snare.flac"
    assert safe_file_name("...", [], ".aiff") == "sound.aiff"
    assert check_file_name(safe_file_name("a:b?c*.wav", [], ".wav"))


def test_applying_a_kit_maps_sounds_to_tracks_of_their_kind_keeping_steps() -> None:
    pattern = demo_pattern()
    steps = [list(t.steps) for t in pattern.tracks]
    kit = KitSpec(
        "Two",
        (
            KitSound("Snap", builtin="clap", volume=0.4, decay=0.2),
            KitSound("Big BD", file="kick.wav", volume=1.0, pan=0.5, pitch=-3.0, choke=2),
        ),
    )
    result = apply_kit(pattern, kit, {"kick.wav": OwnSample(SHA_A, "kick.wav")})
    kick, _, clap = result.pattern.tracks[:3]
    assert (kick.name, kick.sample_sha256, kick.sample_name) == ("Big BD", SHA_A, "kick.wav")
    assert (kick.volume, kick.pan, kick.pitch, kick.choke) == (1.0, 0.5, -3.0, 2)
    assert (clap.name, clap.sample, clap.sample_sha256) == ("Snap", "clap", None)
    assert (clap.volume, clap.decay) == (0.4, 0.2)
    assert [t.steps for t in result.pattern.tracks] == steps
    assert [result.pattern.tracks[i] for i in (1, *range(3, 8))] == [
        pattern.tracks[i] for i in (1, *range(3, 8))
    ]
    assert (result.changed, result.added, result.kept) == (2, 0, 6)
    assert "2 tracks changed" in result.describe("Two") and "6 past" in result.describe("Two")
    assert pattern.tracks[0].sample_sha256 is None  # the original is untouched


def test_tracks_no_sound_of_their_kind_is_left_for_take_the_rest_in_order() -> None:
    pattern = demo_pattern()
    kit = KitSpec("K", tuple(KitSound(n, builtin="kick") for n in [
        "Cowbell", "Kick Long", "Kick Short", "Closed Hat", "Crash"]))  # fmt: skip
    names = [t.name for t in apply_kit(pattern, kit, {}).pattern.tracks]
    # the kick and closed-hat rows by kind; snare and clap rows get what is left, in order
    assert names == ["Kick Long", "Cowbell", "Kick Short", "Closed Hat", "Crash", *[
        "Low tom", "High tom", "Rim"]]  # fmt: skip


def test_a_track_whose_sound_has_no_match_is_matched_by_its_name() -> None:
    pattern = Pattern(tracks=[Track("Handclap", "rim", [0] * 16)])  # a rim sound named so
    kit = KitSpec("K", (KitSound("Kick", builtin="kick"), KitSound("CP", builtin="clap")))
    tracks = apply_kit(pattern, kit, {}).pattern.tracks
    assert [(t.name, t.sample) for t in tracks] == [("CP", "clap"), ("Kick", "kick")]


def test_rows_matched_by_kind_keep_their_mute_and_solo() -> None:
    pattern = demo_pattern()
    pattern.tracks[3].mute = True  # the closed-hat row
    pattern.tracks[4].solo = True  # the open-hat row
    kit = KitSpec("K", tuple(KitSound(n, builtin="kick") for n in [
        "Snare 2", "OH", "Tom Mid", "CHH"]))  # fmt: skip
    tracks = apply_kit(pattern, kit, {}).pattern.tracks
    assert [(t.name, t.mute, t.solo) for t in tracks[1:7]] == [
        ("Snare 2", False, False), ("Clap", False, False), ("CHH", True, False),
        ("OH", False, True), ("Low tom", False, False), ("Tom Mid", False, False),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Kick Long", "kick"), ("BD1", "kick"), ("Bass Drum 1", "kick"), ("BassDrum", "kick"),
        ("SD", "snare"), ("Snare 2", "snare"), ("Snare_Rimshot", "rim"), ("Side Stick", "rim"),
        ("RS", "rim"), ("Hand Clap", "clap"), ("CP", "clap"), ("Handclap", "clap"),
        ("Closed Hat", "closed_hat"), ("HH Closed", "closed_hat"), ("CHH", "closed_hat"),
        ("Hihat Closed", "closed_hat"), ("Hi-Hat", "closed_hat"), ("Hat 1 Cl", "closed_hat"),
        ("Open Hat", "open_hat"), ("OH", "open_hat"), ("OHH", "open_hat"),
        ("Hat Open", "open_hat"), ("Hi-hat open", "open_hat"), ("Tom Low", "low_tom"),
        ("LT", "low_tom"), ("Floor Tom", "low_tom"), ("Tom Hi", "high_tom"),
        ("HT", "high_tom"), ("Rack tom", "high_tom"), ("High Tom", "high_tom"),
    ],
)  # fmt: skip
def test_a_kit_sounds_kind_is_read_from_drum_machine_words(name: str, kind: str) -> None:
    found = sound_kind(name)
    assert found is not None and found[0] == kind


def test_the_surest_sound_of_a_kind_wins_and_unknown_names_have_none() -> None:
    assert sound_kind("Pedal Hat") < sound_kind("Hat") < sound_kind("Closed Hat")  # type: ignore[operator]
    assert sound_kind("Hat Semi-Open") < sound_kind("Hat Open")  # type: ignore[operator]
    assert sound_kind("Cowbell") is None and sound_kind("Crash") is None


def test_a_kit_with_more_sounds_adds_silent_tracks() -> None:
    pattern = Pattern(tracks=demo_pattern().tracks[:1])
    kit = KitSpec("Three", tuple(KitSound(n, builtin=s) for n, s in [
        ("Kick", "kick"), ("Hat", "closed_hat"), ("Tom", "high_tom")]))  # fmt: skip
    result = apply_kit(pattern, kit, {})
    assert [t.name for t in result.pattern.tracks] == ["Kick", "Hat", "Tom"]
    assert result.pattern.tracks[0].steps == pattern.tracks[0].steps
    assert all(not any(t.steps) for t in result.pattern.tracks[1:])
    assert (result.changed, result.added, result.kept) == (1, 2, 0)


def test_kit_names_stay_unique_among_kept_tracks() -> None:
    pattern = demo_pattern()
    pattern.tracks[1].name = "Kick"  # a snare row named Kick: no snare in the kit, kept
    kit = KitSpec("K", (KitSound("Kick", builtin="kick"),))
    names = [t.name for t in apply_kit(pattern, kit, {}).pattern.tracks]
    assert names[:2] == ["Kick 2", "Kick"]
    kit = KitSpec("K", (KitSound("Snare", builtin="snare"), KitSound("Kick", builtin="kick")))
    names = [t.name for t in apply_kit(demo_pattern(), kit, {}).pattern.tracks]
    assert names[:2] == ["Kick", "Snare"]  # old names of the replaced tracks do not count


def test_a_pattern_becomes_a_kit_with_files_for_own_samples() -> None:
    pattern = demo_pattern()
    pattern.set_own_sample(0, SHA_A, "My Kick.wav")
    pattern.set_own_sample(1, SHA_B, None)
    pattern.set_own_sample(2, SHA_A, "My Kick.wav")  # the same sample twice: one file
    pattern.set_choke(3, 5)
    draft = kit_from_pattern(" Mine ", pattern, {SHA_A: ".flac", SHA_B: ".wav"})
    sounds = draft.spec.sounds
    assert draft.spec.name == "Mine"
    assert sounds[0].file == sounds[2].file == "My Kick.flac"
    assert sounds[1].file == "Snare.wav"
    assert draft.files == {"My Kick.flac": SHA_A, "Snare.wav": SHA_B}
    assert (sounds[3].builtin, sounds[3].choke, sounds[4].choke) == ("closed_hat", 5, None)
    assert [s.volume for s in sounds] == [t.volume for t in pattern.tracks]
    # and back: the same sounds on the same tracks
    own = {f: OwnSample(sha, f) for f, sha in draft.files.items()}
    again = apply_kit(demo_pattern(), draft.spec, own).pattern
    assert [(t.sample_sha256, t.volume, t.pan, t.choke_group) for t in again.tracks] == [
        (t.sample_sha256, t.volume, t.pan, t.choke_group) for t in pattern.tracks
    ]


def test_an_empty_pattern_makes_no_kit() -> None:
    with pytest.raises(KitFormatError, match="no tracks"):
        kit_from_pattern("Empty", Pattern(), {})


@pytest.mark.parametrize(
    ("name", "sample"),
    [
        ("Kick Long", "kick"),
        ("BassDrum", "kick"),
        ("Hi Hat Opened", "open_hat"),
        ("Closed HH", "closed_hat"),
        ("Snare Rimshot", "rim"),
        ("Hand Clap", "clap"),
        ("Floor Tom", "low_tom"),
        ("Djembe1 Slap", "high_tom"),
    ],
)
def test_new_tracks_fall_back_to_the_closest_builtin(name: str, sample: str) -> None:
    assert builtin_for(name, 0) == sample
