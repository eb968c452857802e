"""The Edit menu's step operations, on a pattern and free of any toolkit: copy a track's
steps out, paste them onto a track (repeated or cut to its length), clear, and double the
pattern's length.

A copied row is a *clip*: one velocity per step (0 = off), so the accents travel with
the hits. Pasting replaces the whole row from its first step, as Hydrogen's "Paste
notes" on an instrument line does. A clip shorter than the pattern is repeated until the
row is full (8 steps of hats pasted into a 16-step pattern play twice, as a shorter
pattern loops on a drum machine); a longer one is cut at the pattern's end (Hydrogen keeps
each pasted note at its own position, so what lies past the end of a shorter pattern
never sounds; here it is left out rather than kept unheard).

The clip also has a plain-text form, ``x...x...``, so a row can be pasted into a chat or
a text file and back: ``X`` is an accent, ``x`` a hit, ``.`` (or ``-``) a rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from desktop_app.domain.pattern import DEFAULT_VELOCITY, LENGTH_RANGE, Pattern
from desktop_app.domain.track import VELOCITY_MAX

# The longest clip read back (from text or another window): a pattern's longest row.
MAX_CLIP_STEPS = LENGTH_RANGE[1]
# Velocity from which a hit is written as an accent ("X") in the text form.
ACCENT_FROM = 110
_REST_CHARS = ".-_"
# Longer clipboard text is not read as steps (a pasted essay is not parsed char by char).
MAX_CLIP_TEXT = 1024
# The clipboard's own data: what ``clip_json`` writes, under MIME type ``CLIP_MIME``.
CLIP_FORMAT = "sequencer.steps"
CLIP_MIME = "application/x-sequencer-steps+json"
_IGNORED_CHARS = " \t\r\n|"


class ClipError(ValueError):
    """Text or data that is not a row of steps (said in words a musician can act on)."""


def copy_track(pattern: Pattern, track: int) -> list[int]:
    """The clip of track ``track``: its velocities, step by step."""
    if not 0 <= track < len(pattern.tracks):
        raise IndexError(f"track {track} does not exist ({len(pattern.tracks)} tracks)")
    return list(pattern.tracks[track].steps)


def fit_clip(clip: Sequence[int], length: int) -> list[int]:
    """``clip`` made ``length`` steps long: repeated from its start while shorter, cut at
    ``length`` when longer."""
    if not clip:
        raise ClipError("There are no steps to paste.")
    return [clip[i % len(clip)] for i in range(length)]


def paste_track(pattern: Pattern, track: int, clip: Sequence[int]) -> None:
    """Replace the steps of track ``track`` with ``clip``, fitted to the pattern's length
    (``fit_clip``). Refuses a clip with an impossible velocity before changing anything."""
    steps = fit_clip(check_clip(clip), pattern.length)
    for step, velocity in enumerate(steps):
        pattern.set_velocity(track, step, velocity)


def clear_track(pattern: Pattern, track: int) -> None:
    """Every step of track ``track`` off; its sound and mix stay."""
    for step in range(pattern.length):
        pattern.set_velocity(track, step, 0)


def clear_pattern(pattern: Pattern) -> None:
    """Every step of every track off; the tracks, their sounds, mix, tempo and length
    stay (a fresh start on the same kit)."""
    for track in range(len(pattern.tracks)):
        clear_track(pattern, track)


def doubled_length(pattern: Pattern) -> int:
    """The length ``double_pattern`` gives: twice the pattern's, at most the longest a
    pattern can be; the pattern's own length when it is already that long."""
    return min(pattern.length * 2, LENGTH_RANGE[1])


def double_pattern(pattern: Pattern) -> int:
    """Make the pattern twice as long with its steps repeated in the added half, as
    Hydrogen's and FL Studio's "double" do, so it sounds the same and the second half can
    be varied. Past the longest pattern only the steps that fit are repeated. Returns the
    new length."""
    length = doubled_length(pattern)
    for track in pattern.tracks:
        track.steps = fit_clip(track.steps, length)
    pattern.length = length
    return length


def check_clip(clip: Sequence[object]) -> list[int]:
    """``clip`` as velocities, or ``ClipError`` naming what is wrong with it (it may come
    from another program through the clipboard)."""
    if not clip:
        raise ClipError("There are no steps to paste.")
    if len(clip) > MAX_CLIP_STEPS:
        raise ClipError(f"{len(clip)} steps is more than a pattern holds ({MAX_CLIP_STEPS}).")
    velocities = []
    for i, value in enumerate(clip):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= VELOCITY_MAX:
            raise ClipError(
                f"Step {i + 1} has the velocity {value!r}; a velocity is a whole number"
                f" from 0 to {VELOCITY_MAX}."
            )
        velocities.append(value)
    return velocities


def clip_text(clip: Sequence[int]) -> str:
    """The clip as ``x...x...``: ``X`` an accent, ``x`` a hit, ``.`` a rest."""
    return "".join("X" if v >= ACCENT_FROM else "x" if v else "." for v in clip)


def parse_clip_text(text: str) -> list[int]:
    """A clip from its text form (``clip_text``; spaces and bar lines ``|`` are ignored,
    ``-`` is a rest too); ``ClipError`` for text that is not one."""
    if len(text) > MAX_CLIP_TEXT:
        raise ClipError("The clipboard holds more text than a row of steps.")
    clip = []
    for char in text:
        if char in _IGNORED_CHARS:
            continue
        if char == "X":
            clip.append(VELOCITY_MAX)
        elif char == "x":
            clip.append(DEFAULT_VELOCITY)
        elif char in _REST_CHARS:
            clip.append(0)
        else:
            raise ClipError(
                f"{char!r} is not a step: a row of steps is written with x (hit),"
                " X (accent) and . (rest)."
            )
    return check_clip(clip)


def clip_json(clip: Sequence[int]) -> bytes:
    """The clip as the clipboard's own data (``CLIP_MIME``): every velocity kept."""
    return json.dumps({"format": CLIP_FORMAT, "version": 1, "steps": list(clip)}).encode()


def clip_from_json(data: bytes) -> list[int]:
    """A clip from ``clip_json``'s bytes (perhaps another window's, or another version's);
    ``ClipError`` for anything else."""
    if len(data) > MAX_CLIP_TEXT * 4:
        raise ClipError("The clipboard holds more than a row of steps.")
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ClipError("The clipboard's steps cannot be read.") from exc
    if not isinstance(document, dict) or document.get("format") != CLIP_FORMAT:
        raise ClipError("The clipboard holds no steps.")
    steps = document.get("steps")
    if not isinstance(steps, list):
        raise ClipError("The clipboard holds no steps.")
    return check_clip(steps)
