"""``confine_sample_files``: which ``"sample_file"`` names the window may use (a file of
the sample store, by its hash) and which it refuses unread; and a received name is
never kept in a pattern, so nothing saves or sends it on."""

from __future__ import annotations

import hashlib
from pathlib import Path

from desktop_app.domain.pattern import Pattern
from desktop_app.services.pattern_files import confine_sample_files

SHA = hashlib.sha256(b"kick").hexdigest()


def snapshot(*named: object, sha: str | None = None) -> dict:
    tracks = []
    for i, name in enumerate(named):
        track = {"name": f"T{i}", "sample": "kick", "steps": [100, 0], "sample_file": name}
        if sha:
            track["sample_sha256"] = sha
        tracks.append(track)
    return {"format": "sequencer.pattern", "version": "0.1.0", "bpm": 120, "length": 2,
            "tracks": tracks}  # fmt: skip


def test_only_a_file_directly_in_the_store_named_by_its_hash_is_used(tmp_path):
    store = tmp_path / "cache" / "samples"
    store.mkdir(parents=True)
    (store / f"{SHA}.wav").write_bytes(b"x")
    inside = store / f"{SHA}.wav"
    sneaky = store / ".." / ".." / "private" / f"{SHA}.wav"  # the name, elsewhere
    nested = store / "sub" / f"{SHA}.wav"
    other = store / "kick.wav"
    confined, refused = confine_sample_files(
        snapshot(str(inside), str(sneaky), str(nested), str(other), 42, ""), store
    )
    tracks = confined["tracks"]
    assert tracks[0]["sample_sha256"] == SHA and "sample_file" not in tracks[0]
    assert all("sample_sha256" not in t and "sample_file" not in t for t in tracks[1:])
    assert [r.split("”")[0] for r in refused] == ["track “T1", "track “T2", "track “T3",
                                                   "track “T4", "track “T5"]  # fmt: skip


def test_a_relative_name_needs_the_pattern_file_s_folder(tmp_path):
    store = tmp_path / "samples"
    store.mkdir()
    name = f"samples/{SHA}.wav"
    _, refused = confine_sample_files(snapshot(name), store)  # a message: no folder
    assert len(refused) == 1
    confined, refused = confine_sample_files(snapshot(name), store, tmp_path)
    assert refused == [] and confined["tracks"][0]["sample_sha256"] == SHA


def test_a_refused_file_leaves_the_track_s_own_hash_alone(tmp_path):
    other = hashlib.sha256(b"other").hexdigest()
    confined, [why] = confine_sample_files(snapshot("/etc/passwd", sha=other), tmp_path)
    assert confined["tracks"][0]["sample_sha256"] == other
    assert "keeps the sound it names by hash" in why


def test_a_received_sample_file_is_never_kept_in_a_pattern():
    pattern = Pattern.from_snapshot(snapshot(str(Path.home() / "private.wav")))
    assert pattern.tracks[0].extra == {}
    assert "sample_file" not in pattern.to_snapshot()["tracks"][0]
    assert "sample_file" not in pattern.copy().to_snapshot()["tracks"][0]
