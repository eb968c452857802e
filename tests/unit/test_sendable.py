"""The names a message's snapshot carries are mended on the way out, never on the grid."""

from __future__ import annotations

from desktop_app.domain.draft import AudioFile, draft_with_audio, draft_with_audio_file
from desktop_app.domain.pattern import demo_pattern
from desktop_app.domain.sendable import sendable_snapshot


def test_a_snapshot_with_fine_names_is_sent_as_it_is() -> None:
    snapshot = demo_pattern().to_snapshot()
    assert sendable_snapshot(snapshot) is snapshot


def test_names_from_outside_are_mended_readably_and_the_pattern_keeps_its_own() -> None:
    pattern = demo_pattern()
    pattern.tracks[0].name = "Kick\u202efinal"
    pattern.tracks[2].name = "\u200b"
    snapshot = pattern.to_snapshot()
    snapshot["kit"] = "\u2067"
    snapshot["tracks"][1]["sample_name"] = "my\nsnare"  # an own sample's file name
    draft = draft_with_audio("t", "ada", snapshot, None)
    sent = draft.snapshot
    assert sent["tracks"][0]["name"] == "Kick final"
    assert sent["tracks"][1]["sample_name"] == "my snare"
    assert sent["tracks"][2]["name"] == "Track 3"
    assert "kit" not in sent  # optional: left out rather than invented
    assert pattern.tracks[0].name == "Kick\u202efinal"  # what the grid holds stays
    assert snapshot["tracks"][1]["sample_name"] == "my\nsnare"


def test_a_dropped_files_name_is_mended(tmp_path) -> None:
    audio = AudioFile(path=tmp_path / "x.mp3", bitrate=192, duration=2.0, peaks=None)
    assert draft_with_audio_file("t", "ada", "take\nfinal.wav", audio).snapshot["filename"] == (
        "take final.wav"
    )
    assert draft_with_audio_file("t", "ada", "\x1b", audio).snapshot["filename"] == "audio file"
