"""Reading a snapshot's values, and saying what is wrong with one in words.

Every check names the field and the value, as a sentence for the musician ("Track 1 has
no sound (the "sample" field is missing)."), and keeps the technical path for tools in
``SnapshotError.field``. Kept apart from the pattern itself, which only says what a
pattern is.
"""

from __future__ import annotations

import math
import re


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded. The message is a sentence for the musician that
    still names the field (in quotes) and the value; ``field`` is the path for tools
    (``tracks[0].sample``)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


_PATTERN_WORDS = {
    "bpm": "The tempo",
    "swing": "The swing",
    "length": "The pattern length",
    "steps_per_beat": "The number of steps per beat",
    "kit": "The kit name",
    "tracks": "The tracks",
    "version": "The format version",
    "name": "The track name",
    "sample": "The track's sound",
}
_TRACK_WORDS = {
    "name": "name",
    "sample": "sound",
    "steps": "steps",
    "volume": "volume",
    "pan": "pan",
    "mute": "mute switch",
    "solo": "solo switch",
    "sample_sha256": "own sample",
    "sample_name": "sample name",
    "pitch": "pitch",
    "decay": "decay",
    "choke": "choke group",
}
_PATH = re.compile(r"^tracks\[(\d+)\](?:\.(\w+)(?:\[(\d+)\])?)?$")


def _subject(where: str) -> str:
    """``tracks[2].volume`` → "Track 3's volume"; ``bpm`` → "The tempo" (counted from 1,
    as the musician counts tracks and steps)."""
    match = _PATH.match(where)
    if match is None:
        return _PATTERN_WORDS.get(where, f'The "{where}" value')
    track, key, step = match.groups()
    if step is not None:
        return f"The velocity of track {int(track) + 1}, step {int(step) + 1}"
    if key is None:
        return f"Track {int(track) + 1}"
    return f"Track {int(track) + 1}'s {_TRACK_WORDS.get(key, repr(key))}"


def _field(where: str) -> str:
    """The JSON key a message names: the last part of the path."""
    return re.sub(r"\[\d+\]$", "", where).rsplit(".", 1)[-1]


def _error(where: str, problem: str) -> SnapshotError:
    return SnapshotError(f'{_subject(where)} {problem} (the "{_field(where)}" field).', where)


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _version_tuple(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError as exc:
        raise _error("version", f"{text!r} is not a version number") from exc


def _number(where: str, value: object, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _error(where, f"must be a number, not {value!r}")
    if not lo <= value <= hi:
        raise _error(where, f"must be between {_fmt(lo)} and {_fmt(hi)}, not {_fmt(value)}")
    return float(value)


def _integer(where: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise _error(where, f"must be a whole number, not {value!r}")
    if not lo <= value <= hi:
        raise _error(where, f"must be between {lo} and {hi}, not {value}")
    return int(value)


def _boolean(where: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _error(where, f"must be true or false, not {value!r}")
    return value


def _text(where: str, value: object) -> str:
    if not isinstance(value, str):
        raise _error(where, f"must be text, not {value!r}")
    if not value.strip():
        raise _error(where, "is empty")
    return value


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _velocity_error(where: str, problem: str) -> SnapshotError:
    return SnapshotError(f"{_subject(where)} {problem}.", where)
