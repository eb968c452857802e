"""``outside_sample_files``: which named files File → Open asks about (every text name
outside the sample store, relative ones from the pattern file's folder), and how the
question shows each (relative inside the folder, the full path it leads to otherwise);
``with_sounds`` gives the tracks the stored samples as a drop would."""

from __future__ import annotations

import hashlib
from pathlib import Path

from desktop_app.domain.pattern import Pattern
from desktop_app.services.pattern_files import (
    confine_sample_files,
    outside_sample_files,
    with_sounds,
    without_sample_files,
)
from desktop_app.ui.sound_files_consent import LISTED_AT_MOST, consent_text

SHA = hashlib.sha256(b"kick").hexdigest()


def snapshot(*named: object) -> dict:
    tracks = [
        {"name": f"T{i}", "sample": "kick", "steps": [100, 0], "sample_file": name}
        for i, name in enumerate(named)
    ]
    return {"format": "sequencer.pattern", "version": "0.1.0", "bpm": 120, "length": 2,
            "tracks": tracks}  # fmt: skip


def test_every_text_name_outside_the_store_is_asked_about(tmp_path):
    store = tmp_path / "cache" / "samples"
    store.mkdir(parents=True)
    songs = tmp_path / "songs"
    data = snapshot(
        "kit/kick.wav",
        "../private/take.wav",
        str(tmp_path / "abs.flac"),
        str(store / f"{SHA}.wav"),  # the store's own: used by hash, not asked
        "",
        42,
        "~/sounds/hat.wav",
    )
    files = outside_sample_files(data, store, songs)
    assert [(f.track, f.named) for f in files] == [
        (0, "kit/kick.wav"),
        (1, "../private/take.wav"),
        (2, str(tmp_path / "abs.flac")),
        (6, "~/sounds/hat.wav"),
    ]
    assert [f.shown(songs) for f in files] == [
        "kit/kick.wav",
        str(tmp_path / "private" / "take.wav"),  # climbing out shows where it leads
        str(tmp_path / "abs.flac"),
        str(Path.home() / "sounds" / "hat.wav"),
    ]
    # Without a store nothing is the store's: every text name is asked about.
    assert len(outside_sample_files(data, None, songs)) == 5


def test_the_pattern_without_the_asked_files_keeps_the_other_refusals(tmp_path):
    data = snapshot("kit/kick.wav", 42)
    files = outside_sample_files(data, None, tmp_path)
    base, refused = confine_sample_files(without_sample_files(data, files), None, tmp_path)
    assert len(refused) == 1 and refused[0].startswith("track “T1” names the file “42”")
    assert "sample_file" in data["tracks"][0]  # the file's own snapshot is left alone
    given = with_sounds(base, {0: (SHA, "kick.wav")})
    assert given["tracks"][0]["sample_sha256"] == SHA
    assert Pattern.from_snapshot(given).tracks[0].sample_name == "kick.wav"
    assert "sample_sha256" not in base["tracks"][0]


def test_the_question_lists_at_most_twelve_and_escapes_names(tmp_path):
    names = [f"kit/<b>{i}</b>.wav" for i in range(LISTED_AT_MOST + 3)]
    files = outside_sample_files(snapshot(*names), None, tmp_path)
    text, informative = consent_text(tmp_path / "a&b.json", files)
    assert text.startswith("a&amp;b.json names 15 sound files on this computer:<ul>")
    assert "<li>kit/&lt;b&gt;0&lt;/b&gt;.wav</li>" in text
    assert text.count("<li>") == LISTED_AT_MOST + 1
    assert text.endswith("<li>and 3 more (Show Details…)</li></ul>")
    assert "uploaded with the pattern whenever you send it" in informative
