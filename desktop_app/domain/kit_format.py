"""A saved kit: a folder holding ``kit.json`` and the audio files it names.

``kit.json`` says which sound each track gets and how it is set::

    {"format": "sequencer.kit", "version": "0.1.0", "name": "Dusty",
     "sounds": [{"name": "Kick", "file": "kick.wav", "volume": 0.9, "pan": 0.0,
                 "pitch": 0.0, "decay": null, "choke": 0},
                {"name": "Clap", "builtin": "clap"}]}

A sound plays either an audio ``file`` in the kit's folder or one of the app's ``builtin``
sounds, never both. The file is a copy the kit owns, so a kit keeps working after the
original sample is moved, and a folder can be zipped and given to a bandmate.

Kits come from other people (a Hydrogen import, a folder someone sent): every value is
checked like a pattern's, errors name the sound and the field, sizes are bounded, and a
file name is a plain name in the folder — never a path that could read or overwrite
something outside it.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from desktop_app.domain.pattern import DEFAULT_KIT_SAMPLES
from desktop_app.domain.snapshot_checks import _kind, _version_tuple
from desktop_app.domain.track import CHOKE_RANGE, DECAY_RANGE, PITCH_RANGE

KIT_FORMAT = "sequencer.kit"
KIT_VERSION = "0.1.0"
KIT_FILE = "kit.json"

MAX_KIT_JSON_BYTES = 256 * 1024
MAX_SOUNDS = 64
MAX_NAME_CHARS = 80
MAX_FILE_NAME_CHARS = 120
# What the sample cache and the server take (``domain/sample.SAMPLE_FORMATS``), by suffix.
AUDIO_SUFFIXES = (".wav", ".wave", ".aif", ".aiff", ".flac", ".ogg", ".oga", ".mp3")

_SOUND_KEYS = {"name", "file", "builtin", "volume", "pan", "pitch", "decay", "choke"}


class KitFormatError(ValueError):
    """A ``kit.json`` (or a kit about to be written) that is not a usable kit; the message
    names the sound and the field."""


@dataclass(frozen=True)
class KitSound:
    """One sound of a kit: what a track plays and how (the track keeps its steps)."""

    name: str
    file: str | None = None
    builtin: str | None = None
    volume: float = 0.8
    pan: float = 0.0
    pitch: float = 0.0
    decay: float | None = None
    choke: int | None = None  # None: the track's default group

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.file is not None:
            data["file"] = self.file
        else:
            data["builtin"] = self.builtin
        data.update(
            volume=self.volume, pan=self.pan, pitch=self.pitch, decay=self.decay, choke=self.choke
        )
        return data


@dataclass(frozen=True)
class KitSpec:
    """A kit as ``kit.json`` describes it: its name and its sounds, in track order."""

    name: str
    sounds: tuple[KitSound, ...]

    @property
    def files(self) -> list[str]:
        """The audio files the kit's folder must hold, once each."""
        return list(dict.fromkeys(s.file for s in self.sounds if s.file is not None))

    def to_json(self) -> str:
        """``kit.json``'s text; refuses (``KitFormatError``) what ``read_kit_json`` would."""
        data = {
            "format": KIT_FORMAT,
            "version": KIT_VERSION,
            "name": self.name,
            "sounds": [s.to_dict() for s in self.sounds],
        }
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        read_kit_json(text.encode("utf-8"))
        return text


def read_kit_json(raw: bytes, builtins: Collection[str] = DEFAULT_KIT_SAMPLES) -> KitSpec:
    """Parse and check ``kit.json``'s bytes. ``builtins``: the sounds the app has."""
    if len(raw) > MAX_KIT_JSON_BYTES:
        raise KitFormatError(
            f"{KIT_FILE} is {len(raw) // 1024} KB; a kit description is at most"
            f" {MAX_KIT_JSON_BYTES // 1024} KB."
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise KitFormatError(f"{KIT_FILE} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise KitFormatError(
            f"{KIT_FILE} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, nesting 100000 deep
        raise KitFormatError(f"{KIT_FILE} is not JSON a kit can have ({exc}).") from None
    if not isinstance(data, Mapping):
        raise KitFormatError(f"{KIT_FILE} must hold an object, not {_kind(data)}.")
    if data.get("format") != KIT_FORMAT:
        raise KitFormatError(
            f'{KIT_FILE} is not a Sequencer kit: its "format" is {data.get("format")!r},'
            f" not {KIT_FORMAT!r}."
        )
    version = data.get("version")
    if not isinstance(version, str):
        raise KitFormatError(f'The kit\'s "version" must be text like "{KIT_VERSION}".')
    try:
        newer = _version_tuple(version) > _version_tuple(KIT_VERSION)
    except ValueError:
        raise KitFormatError(f'The kit\'s "version" {version!r} is not a version number.') from None
    if newer:
        raise KitFormatError(
            f"This kit was saved by a newer Sequencer (kit format {version}; this app reads up"
            f" to {KIT_VERSION}). Update Sequencer to use it."
        )
    name = _name("The kit's name", "name", data.get("name"))
    sounds = data.get("sounds")
    if not isinstance(sounds, list):
        raise KitFormatError(f'The kit\'s "sounds" must be a list, not {_kind(sounds)}.')
    if not 1 <= len(sounds) <= MAX_SOUNDS:
        raise KitFormatError(
            f'A kit has 1 to {MAX_SOUNDS} sounds; this one has {len(sounds)} ("sounds").'
        )
    return KitSpec(name, tuple(_sound(i, s, builtins) for i, s in enumerate(sounds)))


def check_file_name(name: object, where: str = "The file name") -> str:
    """A name that can only ever mean a file directly in the kit's folder: no folders, no
    drive or parent parts, no hidden or control characters, an audio suffix."""
    if not isinstance(name, str) or not name.strip():
        raise KitFormatError(f"{where} must be a file name, not {name!r}.")
    if len(name) > MAX_FILE_NAME_CHARS:
        raise KitFormatError(f"{where} is longer than {MAX_FILE_NAME_CHARS} characters.")
    if any(c in name for c in "/\\:") or name in {".", ".."} or name.startswith("."):
        raise KitFormatError(
            f"{where} {name!r} is not a plain file name in the kit's folder"
            " (no folders, no leading dot)."
        )
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise KitFormatError(f"{where} {name!r} contains control characters.")
    if not name.lower().endswith(AUDIO_SUFFIXES):
        raise KitFormatError(
            f"{where} {name!r} is not an audio file ({', '.join(AUDIO_SUFFIXES)})."
        )
    return name


def safe_file_name(wanted: str, taken: Collection[str], suffix: str) -> str:
    """A name ``check_file_name`` accepts, close to ``wanted`` (its folders and audio
    suffix dropped), ending in ``suffix`` (the format the bytes are in) and not in
    ``taken`` (compared without case: names differing in case are one file on macOS)."""
    stem = wanted.replace("\\", "/").rsplit("/", 1)[-1]
    if stem.lower().endswith(AUDIO_SUFFIXES):
        stem = stem.rpartition(".")[0]
    ext = suffix.lstrip(".").lower()
    cleaned = (
        "".join(
            c if c.isalnum() or c in " -_()" else "_"
            for c in unicodedata.normalize("NFC", stem)
            if not unicodedata.category(c).startswith("C")
        ).strip(" ._")
        or "sound"
    )
    cleaned = cleaned[: MAX_FILE_NAME_CHARS - 10]
    folded = {t.casefold() for t in taken}
    candidate, n = f"{cleaned}.{ext}", 2
    while candidate.casefold() in folded:
        candidate, n = f"{cleaned} {n}.{ext}", n + 1
    return check_file_name(candidate)


def _sound(index: int, data: object, builtins: Collection[str]) -> KitSound:
    where = f"Sound {index + 1}"
    if not isinstance(data, Mapping):
        raise KitFormatError(f"{where} must be an object, not {_kind(data)}.")
    unknown = sorted(set(data) - _SOUND_KEYS)
    if unknown:
        raise KitFormatError(f"{where} has fields a kit does not have: {', '.join(unknown)}.")
    name = _name(f"{where}'s name", "name", data.get("name"))
    where = f'Sound {index + 1} ("{name}")'
    file, builtin = data.get("file"), data.get("builtin")
    if (file is None) == (builtin is None):
        raise KitFormatError(
            f'{where} must have either a "file" (audio in the kit\'s folder) or a "builtin"'
            " sound, and not both."
        )
    if file is not None:
        file = check_file_name(file, f'{where}\'s "file"')
    elif builtin not in builtins:
        raise KitFormatError(
            f"{where}'s \"builtin\" {builtin!r} is not one of the app's sounds"
            f" ({', '.join(builtins)})."
        )
    decay, choke = data.get("decay"), data.get("choke")
    return KitSound(
        name=name,
        file=file,
        builtin=builtin,
        volume=_number(where, "volume", data.get("volume", 0.8), 0.0, 1.0),
        pan=_number(where, "pan", data.get("pan", 0.0), -1.0, 1.0),
        pitch=_number(where, "pitch", data.get("pitch", 0.0), *PITCH_RANGE),
        decay=None if decay is None else _number(where, "decay", decay, *DECAY_RANGE),
        choke=None if choke is None else _whole(where, "choke", choke, *CHOKE_RANGE),
    )


def _name(where: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KitFormatError(f'{where} must be text, not {value!r} (the "{key}" field).')
    if len(value) > MAX_NAME_CHARS:
        raise KitFormatError(
            f'{where} is longer than {MAX_NAME_CHARS} characters (the "{key}" field).'
        )
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise KitFormatError(f'{where} contains control characters (the "{key}" field).')
    return value.strip()


def _number(where: str, key: str, value: object, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise KitFormatError(f'{where}\'s {key} must be a number, not {value!r} ("{key}").')
    if not lo <= value <= hi:
        raise KitFormatError(
            f'{where}\'s {key} must be between {lo:g} and {hi:g}, not {value:g} ("{key}").'
        )
    return float(value)


def _whole(where: str, key: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise KitFormatError(
            f'{where}\'s {key} must be a whole number from {lo} to {hi}, not {value!r} ("{key}").'
        )
    return value
