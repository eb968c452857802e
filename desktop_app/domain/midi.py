"""A pattern as a Standard MIDI File and back, for taking a groove into a DAW.

This lives in ``domain/`` beside the snapshot format because it is another notation of
the same pattern: pure translation with mido's message objects, no Qt, no audio engine,
no network. The only I/O is reading and writing the one file, so the CLI and the window
get the same checks and the same messages.

Export writes a type 1 file at 480 PPQ: a conductor track (tempo, time signature), then
one track per audible pattern track on the General MIDI drum channel (10, mido's 9), named
after the pattern track. Times follow the engine (``audio/timing.py``): step ``k`` of pass
``p`` starts at ``(p × length + k) × step`` and odd steps are late by ``swing × step``.

Import reads the notes back onto a grid: it tries the grids a pattern can have, models
swing as "every odd step equally late", and keeps the first grid on which every note
lands within a few ticks; a file that fits none is quantized to sixteenths.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import mido

from desktop_app.domain.pattern import (
    BPM_RANGE,
    LENGTH_RANGE,
    STEPS_PER_BEAT_CHOICES,
    SWING_RANGE,
    Pattern,
)
from desktop_app.domain.track import VELOCITY_MAX, Track

PPQ = 480
DRUM_CHANNEL = 9  # "channel 10" as musicians and DAWs count
# Far above any drum part (a whole song of many instruments is a few hundred KB); mido
# holds every event as an object, so a huge file from anyone would fill the memory.
MAX_MIDI_BYTES = 8 * 1024 * 1024
DEFAULT_MIDI_BPM = 120.0  # what the MIDI standard assumes when a file sets no tempo

# General MIDI percussion notes of the default kit's sounds.
GM_NOTES: dict[str, int] = {
    "kick": 36,
    "rim": 37,
    "snare": 38,
    "clap": 39,
    "closed_hat": 42,
    "low_tom": 45,
    "open_hat": 46,
    "high_tom": 50,
}
GM_SAMPLES = {note: sample for sample, note in GM_NOTES.items()}
# Own samples (and a second track on a kit sound) take the notes after the kit's highest.
FIRST_FREE_NOTE = max(GM_NOTES.values()) + 1

# Grids tried on import, most likely first: the default sixteenths, then triplets, then
# finer and coarser ones (a coarser pattern also fits a finer grid, so order decides).
IMPORT_GRIDS = (4, 3, 6, 8, 2, 1)
assert set(IMPORT_GRIDS) == set(STEPS_PER_BEAT_CHOICES)
IMPORT_FALLBACK_GRID = 4


class MidiError(ValueError):
    """A MIDI file that cannot be read or written; the message is a sentence for the
    musician that names the file."""


@dataclass
class MidiImport:
    """The pattern read from a file, and what the reader had to leave out or guess."""

    pattern: Pattern
    notes: list[str] = field(default_factory=list)


# ---- export --------------------------------------------------------------------------
def step_ticks(pattern: Pattern, ppq: int = PPQ) -> float:
    return ppq / pattern.steps_per_beat


def note_tick(pattern: Pattern, step: int, ppq: int = PPQ) -> int:
    """Where absolute step ``step`` (counted across passes) starts, swing included."""
    size = step_ticks(pattern, ppq)
    swing = round(pattern.swing * size) if (step % pattern.length) % 2 else 0
    return round(step * size) + swing


def note_numbers(pattern: Pattern) -> list[int]:
    """One note per track: the GM note of its sound, or the next free note when the sound
    is not in the kit or an earlier track already plays that note."""
    taken: set[int] = set()
    numbers = []
    free = FIRST_FREE_NOTE
    for track in pattern.tracks:
        note = GM_NOTES.get(track.sample)
        if note is None or note in taken:
            while free in taken or free in GM_SAMPLES:
                free += 1
            if free > 127:
                raise MidiError("The pattern has more tracks than there are MIDI notes.")
            note = free
        taken.add(note)
        numbers.append(note)
    return numbers


def time_signature(pattern: Pattern) -> tuple[int, int]:
    """4/4 unless a pass is a whole number of beats that only three divides (3/4, 6/4...)."""
    beats = pattern.length / pattern.steps_per_beat
    if beats.is_integer() and beats % 4 and not beats % 3:
        return 3, 4
    return 4, 4


def _delta_track(
    events: Iterable[tuple[int, int, mido.Message | mido.MetaMessage]],
) -> mido.MidiTrack:
    """Absolute ``(tick, order, message)`` → a track with delta times; at one tick, lower
    ``order`` first (note-offs before note-ons, so a repeated note is not cut short)."""
    track = mido.MidiTrack()
    now = 0
    for tick, _order, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    return track


def pattern_to_midi(pattern: Pattern, loops: int = 1) -> mido.MidiFile:
    """``loops`` passes of the audible tracks (solo wins over mute, as in the engine).

    A note lasts one step, shortened only where it would overlap the next hit of the same
    note (a swung odd step runs into the next step) or run past the end of the file, so
    the file is exactly ``loops`` passes long and loops seamlessly in a DAW.
    """
    if loops < 1:
        raise MidiError(f"The number of loops must be at least 1, not {loops}.")
    midi = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    end = round(loops * pattern.length * step_ticks(pattern))
    numerator, denominator = time_signature(pattern)
    midi.tracks.append(
        _delta_track(
            [
                (0, 0, mido.MetaMessage("track_name", name="Sequencer pattern")),
                (0, 1, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(pattern.bpm))),
                (
                    0,
                    2,
                    mido.MetaMessage(
                        "time_signature", numerator=numerator, denominator=denominator
                    ),
                ),
                (end, 9, mido.MetaMessage("end_of_track")),
            ]
        )
    )
    length = round(step_ticks(pattern))
    for index, (track, note) in enumerate(zip(pattern.tracks, note_numbers(pattern), strict=True)):
        if not pattern.audible(index):
            continue
        starts = [
            (note_tick(pattern, p * pattern.length + k), velocity)
            for p in range(loops)
            for k, velocity in enumerate(track.steps)
            if velocity
        ]
        events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
            (0, 0, mido.MetaMessage("track_name", name=track.name)),
            (0, 0, mido.MetaMessage("instrument_name", name=track.sample)),
        ]
        for i, (tick, velocity) in enumerate(starts):
            following = starts[i + 1][0] if i + 1 < len(starts) else end
            off = min(tick + length, following, end)
            on = mido.Message("note_on", channel=DRUM_CHANNEL, note=note, velocity=velocity)
            events.append((tick, 2, on))
            events.append(
                (
                    max(off, tick),
                    1,
                    mido.Message("note_off", channel=DRUM_CHANNEL, note=note, velocity=0),
                )
            )
        events.append((end, 9, mido.MetaMessage("end_of_track")))
        midi.tracks.append(_delta_track(events))
    return midi


def write_midi(pattern: Pattern, path: Path, loops: int = 1) -> int:
    """Write the file (whole or not at all); returns the number of notes written."""
    midi = pattern_to_midi(pattern, loops)
    tmp = path.with_name(path.name + ".part")
    try:
        midi.save(str(tmp))
        tmp.replace(path)
    except OSError as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        raise MidiError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return sum(1 for t in midi.tracks for m in t if m.type == "note_on")


# ---- import --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Note:
    tick: int
    key: int
    velocity: int
    channel: int
    midi_track: int


def read_midi(path: Path) -> MidiImport:
    """Read a MIDI file into a pattern; ``MidiError`` says why a file cannot be used."""
    try:
        if path.is_dir():
            raise IsADirectoryError
        if path.exists() and not path.is_file():  # a FIFO or a device never ends
            raise MidiError(f"{path}: is not a file.")
        size = path.stat().st_size
        if size > MAX_MIDI_BYTES:
            raise MidiError(
                f"{path}: is {size / 1024 / 1024:.0f} MB; a MIDI file to import is at most"
                f" {MAX_MIDI_BYTES // 1024 // 1024} MB."
            )
        midi = mido.MidiFile(str(path))
    except FileNotFoundError:
        raise MidiError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise MidiError(f"{path}: is a folder, not a MIDI file.") from None
    except PermissionError as exc:
        raise MidiError(f"{path}: cannot read: {exc.strerror}.") from None
    except MidiError:
        raise
    except Exception as exc:  # mido's parser raises many kinds of error on foreign bytes
        raise MidiError(f"{path}: this is not a MIDI file ({exc}).") from None
    try:
        return midi_to_pattern(midi)
    except MidiError as exc:
        raise MidiError(f"{path}: {exc}") from None


def _scan(midi: mido.MidiFile) -> tuple[list[_Note], list[float], int, dict[int, dict[str, str]]]:
    """Every note-on (absolute ticks), the tempi in time order, the last tick of the file
    and each MIDI track's names (``track_name``, ``instrument_name``)."""
    notes: list[_Note] = []
    tempi: list[tuple[int, float]] = []
    names: dict[int, dict[str, str]] = {}
    end = 0
    for index, track in enumerate(midi.tracks):
        now = 0
        for message in track:
            now += message.time
            if message.type == "set_tempo" and message.tempo > 0:  # 0: no tempo at all
                tempi.append((now, mido.tempo2bpm(message.tempo)))
            elif message.type in ("track_name", "instrument_name") and message.name.strip():
                names.setdefault(index, {}).setdefault(message.type, message.name.strip())
            elif message.type == "note_on" and message.velocity > 0:
                notes.append(_Note(now, message.note, message.velocity, message.channel, index))
        end = max(end, now)
    return notes, [bpm for _tick, bpm in sorted(tempi, key=lambda t: t[0])], end, names


def _fit(ticks: list[int], size: float, tolerance: float) -> tuple[float, list[int]] | None:
    """The swing and steps that put every tick within ``tolerance`` of a grid of ``size``
    ticks whose odd steps are all equally late, or None when no such swing exists."""
    placed = []
    for tick in ticks:
        step = math.floor((tick + tolerance) / size)
        placed.append((step, tick - step * size))
    if any(abs(offset) > tolerance for step, offset in placed if step % 2 == 0):
        return None
    late = sorted(offset for step, offset in placed if step % 2)
    delay = late[len(late) // 2] if late else 0.0
    if any(abs(offset - delay) > tolerance for offset in late):
        return None
    swing = round(delay / size, 2)
    if swing < 0.005:
        swing = 0.0
    if not SWING_RANGE[0] <= swing <= SWING_RANGE[1]:
        return None
    return swing, [step for step, _offset in placed]


def _grid(ticks: list[int], ppq: int) -> tuple[int, float, list[int]] | None:
    """Steps per beat, swing and the step of every tick (see the module docstring), or
    None when the notes sit on no grid a pattern has."""
    tolerance = max(1.0, ppq / 96)
    for steps_per_beat in IMPORT_GRIDS:
        fitted = _fit(ticks, ppq / steps_per_beat, tolerance)
        if fitted is not None:
            return steps_per_beat, fitted[0], fitted[1]
    return None


def _default_name(sample: str) -> str:
    return sample.replace("_", " ").capitalize()


def midi_to_pattern(midi: mido.MidiFile) -> MidiImport:
    """The drum notes of ``midi`` on a pattern grid (see the module docstring)."""
    if midi.type == 2:
        raise MidiError(
            "it is a type 2 MIDI file (independent songs); only type 0 and 1 can be imported."
        )
    if midi.ticks_per_beat <= 0:
        raise MidiError(f"its header gives {midi.ticks_per_beat} ticks per beat; no timing.")
    notes, tempi, end, names = _scan(midi)
    if not notes:
        raise MidiError("the file has no notes to import.")
    told: list[str] = []
    drums = [n for n in notes if n.channel == DRUM_CHANNEL]
    if drums:
        if len(drums) < len(notes):
            told.append(f"{len(notes) - len(drums)} notes on channels other than 10 were left out.")
        notes = drums
    notes.sort(key=lambda n: (n.tick, n.midi_track, n.key))
    ppq = midi.ticks_per_beat

    bpm = tempi[0] if tempi else DEFAULT_MIDI_BPM
    if len(set(round(t, 2) for t in tempi)) > 1:
        told.append(f"The file changes tempo; the pattern keeps its first tempo, {bpm:g} BPM.")
    bpm = round(bpm, 2)
    if not BPM_RANGE[0] <= bpm <= BPM_RANGE[1]:
        clamped = min(max(bpm, BPM_RANGE[0]), BPM_RANGE[1])
        told.append(
            f"The file's tempo, {bpm:g} BPM, is outside what a pattern plays; using {clamped:g}."
        )
        bpm = clamped

    ticks = [n.tick for n in notes]
    grid = _grid(ticks, ppq)
    if grid is None:
        size = ppq / IMPORT_FALLBACK_GRID
        grid = IMPORT_FALLBACK_GRID, 0.0, [round(tick / size) for tick in ticks]
        told.append("The notes are not on a regular grid; each went to the nearest sixteenth.")
    steps_per_beat, swing, steps = grid
    size = ppq / steps_per_beat
    last_step = max(steps)
    file_steps = math.ceil(end / size - 1e-6)
    wanted = max(last_step + 1, file_steps, 1)
    length = math.ceil(wanted / steps_per_beat) * steps_per_beat
    limit = LENGTH_RANGE[1] - LENGTH_RANGE[1] % steps_per_beat
    if length > limit:
        dropped = sum(1 for s in steps if s >= limit)
        if dropped:
            told.append(
                f"A pattern holds at most {limit} steps; {dropped} notes after step {limit}"
                " were left out."
            )
        length = limit

    keys_of_track: dict[int, set[int]] = {}
    for n in notes:
        keys_of_track.setdefault(n.midi_track, set()).add(n.key)
    pattern = Pattern(bpm=bpm, swing=swing, steps_per_beat=steps_per_beat, length=length)
    rows: dict[int, Track] = {}
    # Rows in the order of the file's tracks (an export's order), then of first hits.
    placed = sorted(zip(notes, steps, strict=True), key=lambda ns: (ns[0].midi_track, ns[1]))
    for n, step in placed:
        if step >= length:
            continue
        row = rows.get(n.key)
        if row is None:
            own = names.get(n.midi_track, {}) if len(keys_of_track[n.midi_track]) == 1 else {}
            sample = GM_SAMPLES.get(n.key) or own.get("instrument_name") or f"note_{n.key}"
            base = own.get("track_name") or (
                _default_name(sample) if n.key in GM_SAMPLES else f"Note {n.key}"
            )
            row = pattern.add_track(pattern.unique_track_name(base), sample)
            rows[n.key] = row
        row.steps[step] = min(max(row.steps[step], n.velocity), VELOCITY_MAX)
    return MidiImport(pattern, told)
