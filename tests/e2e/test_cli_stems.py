"""``sequencer render --stems DIR`` as a script runs it: real subprocesses, real files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile

from desktop_app.audio.bounce import bounce_frames
from desktop_app.domain.pattern import demo_pattern
from tests.e2e.cli_process import cli


def test_render_writes_the_mix_and_aligned_stems(tmp_path: Path) -> None:
    pattern = demo_pattern()
    pattern.tracks[7].mute = True
    source = tmp_path / "groove.json"
    source.write_text(json.dumps(pattern.to_snapshot()))
    mix, folder = tmp_path / "mix.wav", tmp_path / "out" / "stems"
    proc = cli(tmp_path, "render", str(source), "-o", str(mix), "--stems", str(folder),
               "--loops", "2")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "7 stems" in proc.stderr and "left out (not heard): Rim" in proc.stderr
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(f"{t.name}.wav" for t in pattern.tracks[:7])
    frames = bounce_frames(pattern, 2, 44100)
    summed = np.zeros((frames, 2), np.float32)
    for name in names:
        data, rate = soundfile.read(folder / name, dtype="float32", always_2d=True)
        assert (len(data), rate) == (frames, 44100)
        summed += data
    whole, _ = soundfile.read(mix, dtype="float32", always_2d=True)
    assert len(whole) == frames
    # The limiter only turns the loudest peaks down: elsewhere the stems add up to the mix.
    close = np.abs(summed - whole).max(axis=1) < 1e-5
    assert close.mean() > 0.5

    # Stems alone, without -o: the old "-o is needed" is now "one of the two".
    only = tmp_path / "only"
    assert cli(tmp_path, "render", str(source), "--stems", str(only), "-q").returncode == 0
    assert len(list(only.iterdir())) == 7


def test_bad_stem_requests_are_one_line_and_write_nothing(tmp_path: Path) -> None:
    source = tmp_path / "groove.json"
    source.write_text(json.dumps(demo_pattern().to_snapshot()))
    proc = cli(tmp_path, "render", str(source))
    assert proc.returncode == 2
    assert "nothing to write: give -o OUT.mp3 (or OUT.wav), --stems DIR, or both" in proc.stderr

    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    proc = cli(tmp_path, "render", str(source), "--stems", str(a_file))
    assert proc.returncode == 2 and "is a file, not a folder" in proc.stderr
    assert a_file.read_text() == "keep me"
    # The mix into a folder that is a file says so (mkdir said only "File exists").
    proc = cli(tmp_path, "render", str(source), "-o", str(a_file / "mix.wav"), "-q")
    assert proc.returncode == 2
    assert f"{a_file} is a file, not a folder" in proc.stderr, proc.stderr
    assert a_file.read_text() == "keep me"

    proc = cli(tmp_path, "render", str(source), "-o", str(tmp_path / "x.flac"),
               "--stems", str(tmp_path / "s"))  # fmt: skip
    assert proc.returncode == 2 and "must end in .mp3" in proc.stderr
    assert not (tmp_path / "s").exists()
