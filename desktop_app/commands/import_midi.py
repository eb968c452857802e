"""``sequencer import-midi IN.mid -o PATTERN.json``

A MIDI drum part as a pattern (``domain/midi.py``): notes on channel 10 (or every channel
when none is on 10) on the grid, velocities, tempo and swing kept. What had to be left
out is said on stderr; a file that cannot be used is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop_app.commands._failure import CommandError, reports_errors
from desktop_app.domain.midi import MidiError, read_midi
from sequencer_common.atomic import write_text_atomic

HELP = "turn a MIDI drum part into a pattern"
DESCRIPTION = (
    "Read a Standard MIDI File (type 0 or 1) and write its drum notes as a "
    "pattern snapshot (JSON): General MIDI drum notes become the kit's tracks, other "
    "notes new tracks; at most 64 steps."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("midi", metavar="IN.mid", help="a Standard MIDI File")
    p.add_argument("-o", "--output", required=True, metavar="PATTERN.json", help="the pattern")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")


@reports_errors("import-midi")
def run(args: argparse.Namespace) -> int:
    source, out = Path(args.midi), Path(args.output)
    try:
        result = read_midi(source)
    except MidiError as exc:
        raise CommandError(str(exc)) from None
    text = json.dumps(result.pattern.to_snapshot(), indent=2) + "\n"
    try:
        write_text_atomic(out, text)
    except OSError as exc:
        raise CommandError(f"{out}: cannot write: {exc.strerror or exc}") from None
    for note in result.notes:
        print(f"sequencer import-midi: {note}", file=sys.stderr)
    if not args.quiet:
        p = result.pattern
        print(
            f"{out}: {len(p.tracks)} tracks, {p.length} steps at {p.steps_per_beat} per beat, "
            f"{p.bpm:g} BPM, swing {round(p.swing * 100)}%",
            file=sys.stderr,
        )
    return 0
