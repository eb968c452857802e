"""One row of a pattern: the sound a track plays, how, and on which steps, and how a
track is read from and written to a snapshot (see ``pattern`` for the format's versions).

A track writes the 0.1.0 fields (own sample, pitch, decay, choke) only when it uses
them, so a pattern that uses none of them is still the 0.0.1 that seed clients read.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from desktop_app.domain.sample import SHA256_RE
from desktop_app.domain.snapshot_checks import (
    _TRACK_WORDS,
    SnapshotError,
    _boolean,
    _error,
    _fmt,
    _integer,
    _kind,
    _number,
    _subject,
    _text,
    _velocity_error,
)

T = TypeVar("T")

# Track identities: a drop whose file is still being read finds its track by this after
# the musician added, removed or moved tracks meanwhile (``Pattern.index_of``).
_uids = itertools.count(1)

VELOCITY_MAX = 127
PITCH_RANGE = (-24.0, 24.0)  # semitones
DECAY_RANGE = (0.01, 30.0)  # seconds; None plays the whole sample
CHOKE_RANGE = (0, 16)  # 0: in no group
# A 0.0.1 pattern has no "choke": the hat pair shares a group, as it always has.
HAT_CHOKE_GROUP = 1
_HATS = frozenset({"closed_hat", "open_hat"})

_TRACK_KEYS = {
    "name",
    "sample",
    "volume",
    "pan",
    "mute",
    "solo",
    "steps",
    "sample_sha256",
    "sample_name",
    "pitch",
    "decay",
    "choke",
}
# Never kept from a snapshot, though unknown keys are: a path names a file on the disk of
# whoever reads the pattern. Kept, a received pattern's "sample_file" would be saved with
# it, and the next Open or ``sequencer send`` of that file would read (and upload) any
# audio file of the receiver's that it names. Only a pattern file the musician runs
# ``sequencer send``/``render`` on has its files read (``services.pattern_files``).
NEVER_KEPT = frozenset({"sample_file"})


@dataclass
class Track:
    """One instrument row: which sample it plays, how loud, where, and on which steps."""

    name: str
    sample: str
    steps: list[int]
    volume: float = 0.8
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    # 0.1.0: the musician's own audio, by the SHA-256 of its file's bytes; its file name
    # for display. While set, ``sample`` is not played (it is what "built-in sound" restores).
    sample_sha256: str | None = None
    sample_name: str | None = None
    pitch: float = 0.0
    decay: float | None = None
    choke: int | None = None  # None: the default group (``default_choke``)
    extra: dict[str, Any] = field(default_factory=dict)
    # Which row this is, kept by ``Pattern.copy`` (so by every edit and its undo), never
    # in a snapshot and never compared: a track loaded or added anew is another row.
    uid: int = field(default_factory=lambda: next(_uids), compare=False, repr=False)

    @property
    def own_sample(self) -> bool:
        return self.sample_sha256 is not None

    @property
    def choke_group(self) -> int:
        """The group this track is in: a hit cuts the sounding voices of every other track
        in the same group (0: none)."""
        return default_choke(self) if self.choke is None else self.choke

    @property
    def sound_label(self) -> str:
        """What the track plays, as the musician names it."""
        if self.sample_sha256 is not None:
            return self.sample_name or f"sample {self.sample_sha256[:8]}"
        return self.sample.replace("_", " ")

    def uses_0_1(self) -> bool:
        """True when this track needs format 0.1.0 to be played as intended."""
        return (
            self.sample_sha256 is not None
            or self.pitch != 0.0
            or self.decay is not None
            or (self.choke is not None and self.choke != default_choke(self))
        )

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.extra)
        data.update(
            name=self.name,
            sample=self.sample,
            volume=self.volume,
            pan=self.pan,
            mute=self.mute,
            solo=self.solo,
            steps=list(self.steps),
        )
        if self.sample_sha256 is not None:
            data["sample_sha256"] = self.sample_sha256
            if self.sample_name is not None:
                data["sample_name"] = self.sample_name
        if self.pitch != 0.0:
            data["pitch"] = self.pitch
        if self.decay is not None:
            data["decay"] = self.decay
        if self.choke is not None and self.choke != default_choke(self):
            data["choke"] = self.choke
        return data

    @classmethod
    def from_dict(cls, where: str, data: object, length: int) -> Track:
        if not isinstance(data, Mapping):
            raise SnapshotError(
                f"{_subject(where)} is not a track: expected an object, got {_kind(data)}.", where
            )
        for key in ("name", "sample", "steps"):
            if key not in data:
                raise SnapshotError(
                    f'{_subject(where)} has no {_TRACK_WORDS[key]} (the "{key}" field is missing).',
                    f"{where}.{key}",
                )
        steps = data["steps"]
        if not isinstance(steps, list):
            raise _error(f"{where}.steps", f"must be a list of velocities, not {_kind(steps)}")
        if len(steps) != length:
            raise SnapshotError(
                f"{_subject(where)} has {len(steps)} steps, but the pattern is {length} steps"
                ' long (the "steps" field).',
                f"{where}.steps",
            )
        velocities = []
        for i, v in enumerate(steps):
            at = f"{where}.steps[{i}]"
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise _velocity_error(at, f"must be a number, not {v!r}")
            if not 0 <= v <= VELOCITY_MAX or (isinstance(v, float) and not v.is_integer()):
                raise _velocity_error(
                    at, f"must be a whole number from 0 to {VELOCITY_MAX}, not {_fmt(v)}"
                )
            velocities.append(int(v))
        return cls(
            name=_text(f"{where}.name", data["name"]),
            sample=_text(f"{where}.sample", data["sample"]),
            steps=velocities,
            volume=_number(f"{where}.volume", data.get("volume", 0.8), 0.0, 1.0),
            pan=_number(f"{where}.pan", data.get("pan", 0.0), -1.0, 1.0),
            mute=_boolean(f"{where}.mute", data.get("mute", False)),
            solo=_boolean(f"{where}.solo", data.get("solo", False)),
            sample_sha256=_optional(data, "sample_sha256", where, _sha256),
            sample_name=_optional(data, "sample_name", where, _text),
            pitch=_number(f"{where}.pitch", data.get("pitch", 0.0), *PITCH_RANGE),
            decay=_optional(data, "decay", where, _decay),
            choke=_optional(data, "choke", where, _choke),
            extra={
                k: copy.deepcopy(v)
                for k, v in data.items()
                if k not in _TRACK_KEYS and k not in NEVER_KEPT
            },
        )


def default_choke(track: Track) -> int:
    """The group a track is in when the pattern does not say: the kit's hats share one (a
    closed hat cuts a ringing open hat, as on every drum machine); everything else none."""
    if track.sample_sha256 is None and track.sample in _HATS:
        return HAT_CHOKE_GROUP
    return 0


def _optional(
    data: Mapping[str, Any], key: str, where: str, read: Callable[[str, Any], T]
) -> T | None:
    value = data.get(key)
    return None if value is None else read(f"{where}.{key}", value)


def _sha256(where: str, value: object) -> str:
    if not isinstance(value, str) or not SHA256_RE.match(value):
        raise _error(where, f"must be a SHA-256 (64 lowercase hex digits), not {value!r}")
    return value


def _decay(where: str, value: object) -> float:
    return _number(where, value, *DECAY_RANGE)


def _choke(where: str, value: object) -> int:
    return _integer(where, value, *CHOKE_RANGE)
