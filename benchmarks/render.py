"""Render to WAV: ours against Hydrogen's ``h2cli`` and LMMS's ``lmms render``.

The workload is the demo groove (16 steps, 8 tracks) at 124 BPM, 64 loops (124 s).

- Ours: ``sequencer render … -o OUT.wav`` in a fresh process (start-up included).
- Hydrogen (Debian ``hydrogen``): the same 16 steps as an .h2song on its GMRockKit (the
  first eight instruments of the shipped GM_kit_demo1 song, humanize off), one pattern
  repeated 64 times in the song, exported with ``h2cli -s SONG -o OUT.wav``.
- LMMS (Debian ``lmms``): measured only if ``LMMS_PROJECT`` names an equivalent project
  (.mmp/.mmpz) — writing an LMMS project of the same groove is not automated here — and
  reported with its own audio length so the speed is per second of audio either way.

Each tool renders 1 loop and then all the loops: ``wall_s`` is the whole run (start-up
included), ``marginal_realtime_factor`` the speed of the loops after the first, which
leaves out a fixed start-up (h2cli spends ~24 s probing audio drivers on a machine
without sound before it exports anything). A tool that is not installed is skipped with
a message, never an error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app.audio.audio_files import read_audio
from desktop_app.domain.pattern import Pattern, demo_pattern

BPM = 124
LOOPS = 64
H2_DEMO = Path("/usr/share/hydrogen/data/demo_songs/GM_kit_demo1.h2song")
TICKS_PER_STEP = 12  # Hydrogen: 48 ticks a quarter note, 16th-note steps


def _pattern() -> Pattern:
    pattern = demo_pattern()
    pattern.set_bpm(BPM)
    pattern.swing = 0.0
    return pattern


def _wav_seconds(path: Path) -> float:
    pcm, rate = read_audio(path)
    return len(pcm) / rate


def _once(cmd: list[str], out: Path, timeout: float) -> tuple[float, float] | str:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if done.returncode != 0 or not out.exists():
        return f"exit {done.returncode}: {(done.stderr or done.stdout)[-400:]}"
    return wall, _wav_seconds(out)


def _timed(
    make_cmd: Callable[[int, Path], list[str]], work: Path, loops: int, timeout: float = 900
) -> dict[str, Any]:
    """Render 1 loop, then ``loops``: the whole run and the marginal speed."""
    runs = []
    for n in (1, loops):
        out = work / f"out-{n}.wav"
        got = _once(make_cmd(n, out), out, timeout)
        if isinstance(got, str):
            return {"error": got}
        runs.append(got)
        out.unlink()
    (wall1, audio1), (wall, audio) = runs
    result = {"wall_s": wall, "audio_seconds": audio, "realtime_factor": audio / wall}
    result["one_loop_wall_s"] = wall1
    if wall > wall1:
        result["marginal_realtime_factor"] = (audio - audio1) / (wall - wall1)
    return result


def h2song(pattern: Pattern, loops: int) -> bytes:
    """The groove as a Hydrogen song built on the shipped demo song's kit."""
    tree = ET.parse(H2_DEMO)
    song = tree.getroot()
    song.find("bpm").text = str(pattern.bpm)  # type: ignore[union-attr]
    for tag in ("humanize_time", "humanize_velocity", "swing_factor"):
        node = song.find(tag)
        if node is not None:
            node.text = "0"
    ids = [i.findtext("id") for i in song.iter("instrument")][: len(pattern.tracks)]
    patterns = song.find("patternList")
    assert patterns is not None
    for p in list(patterns):
        patterns.remove(p)
    p = ET.SubElement(patterns, "pattern")
    ET.SubElement(p, "name").text = "bench"
    ET.SubElement(p, "category").text = ""
    ET.SubElement(p, "size").text = str(pattern.length * TICKS_PER_STEP)
    ET.SubElement(p, "denominator").text = "4"
    ET.SubElement(p, "info").text = ""
    notes = ET.SubElement(p, "noteList")
    for instrument, track in zip(ids, pattern.tracks, strict=False):
        for step, velocity in enumerate(track.steps):
            if not velocity:
                continue
            n = ET.SubElement(notes, "note")
            for tag, value in (
                ("position", step * TICKS_PER_STEP),
                ("leadlag", 0),
                ("velocity", round(velocity / 127, 3)),
                ("pan", 0),
                ("pitch", 0),
                ("probability", 1),
                ("key", "C0"),
                ("length", -1),
                ("instrument", instrument),
                ("note_off", "false"),
            ):
                ET.SubElement(n, tag).text = str(value)
    sequence = song.find("patternSequence")
    assert sequence is not None
    for g in list(sequence):
        sequence.remove(g)
    for _ in range(loops):
        ET.SubElement(ET.SubElement(sequence, "group"), "patternID").text = "bench"
    for obsolete in ("virtualPatternList",):
        node = song.find(obsolete)
        if node is not None:
            for child in list(node):
                node.remove(child)
    return ET.tostring(song, encoding="utf-8", xml_declaration=True)


def run(args) -> dict:
    loops = 8 if args.quick else LOOPS
    pattern = _pattern()
    result: dict[str, Any] = {
        "benchmark": "render",
        "pattern": {"steps": 16, "tracks": 8, "bpm": BPM, "loops": loops},
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        snapshot = work / "groove.json"
        snapshot.write_text(json.dumps(pattern.to_snapshot()))

        def ours(n: int, out: Path) -> list[str]:
            cmd = [sys.executable, "-m", "desktop_app", "render", str(snapshot)]
            return [*cmd, "-o", str(out), "--loops", str(n), "-q"]

        result["ours"] = _timed(ours, work, loops)

        if shutil.which("h2cli") and H2_DEMO.exists():

            def hydrogen(n: int, out: Path) -> list[str]:
                song = work / f"groove-{n}.h2song"
                song.write_bytes(h2song(pattern, n))
                return ["h2cli", "-s", str(song), "-o", str(out)]

            result["hydrogen_h2cli"] = _timed(hydrogen, work, loops)
        else:
            result["hydrogen_h2cli"] = "skipped: h2cli is not installed (apt-get install hydrogen)"

        project = os.environ.get("LMMS_PROJECT")
        if not shutil.which("lmms"):
            result["lmms"] = "skipped: lmms is not installed (apt-get install lmms)"
        elif not project:
            result["lmms"] = (
                "skipped: set LMMS_PROJECT to an .mmp/.mmpz of the same groove "
                "(no generator for LMMS projects here)"
            )
        else:
            result["lmms"] = _timed(
                lambda _n, out: ["lmms", "render", project, "-f", "wav", "-o", str(out)],
                work,
                loops,
            )
    for name in ("hydrogen_h2cli", "lmms"):
        other, mine = result[name], result["ours"]
        if isinstance(other, dict):
            for key in ("realtime_factor", "marginal_realtime_factor"):
                if key in other and key in mine:
                    other[f"ours_speed_ratio_{key}"] = mine[key] / other[key]
    return result
