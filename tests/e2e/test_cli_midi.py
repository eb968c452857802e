"""``sequencer export-midi`` / ``import-midi`` as a script runs them: real subprocesses,
real files, exit status and stderr."""

from __future__ import annotations

import json
from pathlib import Path

import mido

from desktop_app.domain.pattern import demo_pattern
from tests.e2e.cli_process import cli


def test_export_then_import_round_trips_a_swung_pattern(tmp_path: Path) -> None:
    pattern = demo_pattern()
    pattern.swing = 0.25
    source = tmp_path / "groove.json"
    source.write_text(json.dumps(pattern.to_snapshot()))
    out = tmp_path / "groove.mid"
    proc = cli(tmp_path, "export-midi", str(source), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "29 notes" in proc.stderr
    midi = mido.MidiFile(str(out))
    assert midi.ticks_per_beat == 480 and [t.name for t in midi.tracks][1] == "Kick"

    back = tmp_path / "back.json"
    proc = cli(tmp_path, "import-midi", str(out), "-o", str(back))
    assert proc.returncode == 0, proc.stderr
    got = json.loads(back.read_text())
    assert (got["bpm"], got["swing"], got["steps_per_beat"], got["length"]) == (
        122.0,
        0.25,
        4,
        16,
    )
    assert [(t["name"], t["steps"]) for t in got["tracks"]] == [
        (t.name, t.steps) for t in pattern.tracks
    ]

    proc = cli(tmp_path, "export-midi", str(source), "-o", str(out), "--loops", "3")
    assert proc.returncode == 0 and "87 notes, 3 loops" in proc.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    source = tmp_path / "groove.json"
    source.write_text(json.dumps(demo_pattern().to_snapshot()))
    not_midi = tmp_path / "not.mid"
    not_midi.write_text("hello")
    out = tmp_path / "out.json"

    proc = cli(tmp_path, "import-midi", str(not_midi), "-o", str(out))
    assert proc.returncode == 2
    assert proc.stderr.startswith("sequencer import-midi: error: ")
    assert "not a MIDI file" in proc.stderr and proc.stderr.count("\n") == 1
    assert not out.exists()

    empty = tmp_path / "empty.mid"
    mido.MidiFile(tracks=[mido.MidiTrack()]).save(str(empty))
    proc = cli(tmp_path, "import-midi", str(empty), "-o", str(out))
    assert proc.returncode == 2 and "has no notes" in proc.stderr and not out.exists()

    proc = cli(tmp_path, "export-midi", str(not_midi), "-o", str(tmp_path / "x.mid"))
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr

    blocked = tmp_path / "file"
    blocked.write_text("")
    proc = cli(tmp_path, "export-midi", str(source), "-o", str(blocked / "x.mid"))
    assert proc.returncode == 2 and "cannot write" in proc.stderr

    proc = cli(tmp_path, "export-midi", str(source), "-o", str(tmp_path / "x.mp3"))
    assert proc.returncode == 2 and ".mid" in proc.stderr

    good = tmp_path / "good.mid"
    assert cli(tmp_path, "export-midi", str(source), "-o", str(good)).returncode == 0
    proc = cli(tmp_path, "import-midi", str(good), "-o", str(blocked / "p.json"))
    assert proc.returncode == 2 and "cannot write" in proc.stderr
    assert not list(tmp_path.glob("*.part"))
