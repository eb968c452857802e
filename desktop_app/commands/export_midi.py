"""``sequencer export-midi PATTERN.json -o OUT.mid [--loops N]``

The pattern as a Standard MIDI File for a DAW (``domain/midi.py``): drums on channel 10
with General MIDI notes, swing in the note times. Errors are one line on stderr and exit
status 2, like ``sequencer render``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_app.commands._failure import CommandError, reports_errors
from desktop_app.commands._inputs import add_pattern_arguments, pattern_input
from desktop_app.domain.midi import MidiError, write_midi

MAX_LOOPS = 64
MIDI_SUFFIXES = (".mid", ".midi")


HELP = "write a pattern as a MIDI file for a DAW"
DESCRIPTION = (
    "Write N loops of a pattern snapshot (JSON) as a Standard MIDI File: "
    "480 PPQ, the pattern's tempo, drums on channel 10 with General MIDI notes "
    "(own sounds on the next free notes, named), swing in the note times. Muted "
    "tracks are left out; solo wins as in the app."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_pattern_arguments(p, loops=1)
    p.add_argument("-o", "--output", required=True, metavar="OUT.mid", help="the MIDI file")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")


@reports_errors("export-midi")
def run(args: argparse.Namespace) -> int:
    pattern, out = pattern_input(args, MAX_LOOPS), Path(args.output)
    if out.suffix.lower() not in MIDI_SUFFIXES:
        raise CommandError(f"{out}: a MIDI file's name ends in .mid (or .midi)")
    try:
        notes = write_midi(pattern, out, args.loops)
    except MidiError as exc:
        raise CommandError(str(exc)) from None
    if not args.quiet:
        print(f"{out}: {notes} notes, {args.loops} loops at {pattern.bpm:g} BPM", file=sys.stderr)
    return 0
