"""The render benchmark's LMMS project is the same groove: every step of every track at its
tick, the kit's own sounds, and - when LMMS is installed - a render whose hits fall where
ours do."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from benchmarks.render import _lmms_command, _pattern, lmms_project
from desktop_app.audio.audio_files import read_audio
from desktop_app.audio.synth import build_default_samples
from desktop_app.audio.wavio import write_wav


def kit_files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, data in build_default_samples().items():
        out[name] = tmp_path / f"{name}.wav"
        write_wav(out[name], data, 44100, bits=16)
    return out


def test_the_project_holds_every_step(tmp_path: Path) -> None:
    pattern = _pattern()
    root = ET.fromstring(lmms_project(pattern, 3, kit_files(tmp_path)))
    assert root.find("head").get("bpm") == "124"  # type: ignore[union-attr]
    bb = root.find("song/trackcontainer/track")
    assert bb is not None and bb.get("type") == "1"
    assert [c.get("pos") for c in bb.findall("bbtco")] == ["0", "192", "384"]
    tracks = bb.findall("bbtrack/trackcontainer/track")
    assert [t.get("name") for t in tracks] == [t.name for t in pattern.tracks]
    for track, source in zip(tracks, pattern.tracks, strict=True):
        src = track.find("instrumenttrack/instrument/audiofileprocessor").get("src")  # type: ignore[union-attr]
        assert Path(src).name == f"{source.sample}.wav" and Path(src).exists()
        positions = [int(n.get("pos")) for n in track.findall("pattern/note")]  # type: ignore[arg-type]
        assert positions == [12 * k for k, v in enumerate(source.steps) if v]


@pytest.mark.skipif(not shutil.which("lmms"), reason="lmms is not installed")
def test_lmms_renders_the_groove_on_the_beat(tmp_path: Path) -> None:
    project = tmp_path / "groove.mmp"
    project.write_bytes(lmms_project(_pattern(), 1, kit_files(tmp_path)))
    out = tmp_path / "out.wav"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(_lmms_command(project, out, 1), env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
    pcm, rate = read_audio(out)
    step = rate * 60 / 124 / 4
    assert len(pcm) >= 16 * step - 1  # at least the loop
    loud = [float(np.abs(pcm[round(k * step) : round(k * step) + 300]).max()) for k in range(16)]
    quiet_before = float(np.abs(pcm[round(4 * step) - 400 : round(4 * step) - 100]).max())
    # the kick on every beat: the loudest hits, each much louder than just before it
    assert min(loud[0], loud[4], loud[8], loud[12]) > 2 * quiet_before
