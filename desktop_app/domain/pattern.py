"""The drum pattern and its snapshot format (``sequencer.pattern`` 0.0.1 and 0.1.0).

A pattern is the musician's work: it travels in every message as the ``snapshot``, so the
format is strict about what it accepts (every error names the field and the value) and
lenient about what it keeps (unknown keys survive a round trip, so a newer client's
additions are not destroyed by an older one that loads and re-sends a pattern).

Version 0.1.0 adds per-track sound shaping and the musician's own audio:
``sample_sha256`` + ``sample_name`` (the track plays that audio instead of the kit sound
named by ``sample``, which is kept so the track can go back to it), ``pitch``, ``decay``
and ``choke``. A pattern is written as 0.1.0 only when a track uses one of them; every
other pattern is still written as 0.0.1, so seed clients keep playing what they can play
and refuse, with their "newer version" message, only what they would play wrongly.
A track and its fields are in ``track``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.domain.snapshot_checks import (
    SnapshotError,
    _error,
    _integer,
    _kind,
    _number,
    _text,
    _version_tuple,
)
from desktop_app.domain.track import (
    PITCH_RANGE,
    VELOCITY_MAX,
    Track,
    _choke,
    _decay,
    _sha256,
)

FORMAT = "sequencer.pattern"
VERSION = "0.1.0"
# What a pattern that uses nothing of 0.1.0 is written as (seed clients read it).
BASE_VERSION = "0.0.1"

BPM_RANGE = (20.0, 300.0)
SWING_RANGE = (0.0, 0.75)
LENGTH_RANGE = (1, 64)
# Room for every MIDI note as a row (an import makes one per note) and then some; a
# bandmate's 1 MB snapshot of 20000 one-step tracks froze the window for minutes.
MAX_TRACKS = 256
DEFAULT_VELOCITY = 100
STEPS_PER_BEAT_CHOICES = (1, 2, 3, 4, 6, 8)

DEFAULT_KIT_SAMPLES = (
    "kick",
    "snare",
    "clap",
    "closed_hat",
    "open_hat",
    "low_tom",
    "high_tom",
    "rim",
)

_PATTERN_KEYS = {"format", "version", "bpm", "swing", "steps_per_beat", "length", "kit", "tracks"}


def pass_seconds(length: float, bpm: float, steps_per_beat: float) -> float:
    """One pass of a pattern: ``length × 60 / (bpm × steps_per_beat)`` — also for a
    received message's summary, which knows the numbers but has no ``Pattern``."""
    return length * 60.0 / (bpm * steps_per_beat)


@dataclass
class Pattern:
    """A step pattern. Mutating methods validate their arguments like the loader does, so
    an edit can never produce a pattern that would be refused when loaded back."""

    tracks: list[Track] = field(default_factory=list)
    bpm: float = 120.0
    swing: float = 0.0
    steps_per_beat: int = 4
    length: int = 16
    kit: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- timing ----------------------------------------------------------------------
    @property
    def step_seconds(self) -> float:
        return 60.0 / (self.bpm * self.steps_per_beat)

    @property
    def pass_seconds(self) -> float:
        return pass_seconds(self.length, self.bpm, self.steps_per_beat)

    def audible(self, index: int) -> bool:
        """Solo wins over mute: with any track soloed only soloed tracks sound."""
        track = self.tracks[index]
        if any(t.solo for t in self.tracks):
            return track.solo
        return not track.mute

    # ---- (de)serialisation -----------------------------------------------------------
    def to_snapshot(self) -> dict[str, Any]:
        data = copy.deepcopy(self.extra)
        data.update(
            format=FORMAT,
            version=self.format_version,
            bpm=self.bpm,
            swing=self.swing,
            steps_per_beat=self.steps_per_beat,
            length=self.length,
            kit=self.kit,
            tracks=[t.to_dict() for t in self.tracks],
        )
        return data

    @classmethod
    def from_snapshot(cls, data: object) -> Pattern:
        if not isinstance(data, Mapping):
            raise SnapshotError(
                f"This is not a pattern: expected an object, got {_kind(data)}.", "snapshot"
            )
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise SnapshotError(
                f'This is not a Sequencer pattern: its "format" is {fmt!r}, not {FORMAT!r}.',
                "format",
            )
        version = data.get("version", VERSION)
        if not isinstance(version, str):
            raise _error("version", f"{version!r} is not a version number")
        if _version_tuple(version) > _version_tuple(VERSION):
            raise SnapshotError(
                f"This pattern was saved by a newer Sequencer (format version {version}; this"
                f" app reads up to {VERSION}). Update Sequencer to open this pattern.",
                "version",
            )
        length = _integer("length", data.get("length", 16), *LENGTH_RANGE)
        tracks_data = data.get("tracks", [])
        if not isinstance(tracks_data, list):
            raise _error("tracks", f"must be a list, not {_kind(tracks_data)}")
        if len(tracks_data) > MAX_TRACKS:
            raise _error(
                "tracks", f"has {len(tracks_data)} tracks; a pattern has at most {MAX_TRACKS}"
            )
        spb = _integer("steps_per_beat", data.get("steps_per_beat", 4), 1, 16)
        return cls(
            tracks=[Track.from_dict(f"tracks[{i}]", t, length) for i, t in enumerate(tracks_data)],
            bpm=_number("bpm", data.get("bpm", 120.0), *BPM_RANGE),
            swing=_number("swing", data.get("swing", 0.0), *SWING_RANGE),
            steps_per_beat=spb,
            length=length,
            kit=_text("kit", data.get("kit", "default")),
            extra={k: copy.deepcopy(v) for k, v in data.items() if k not in _PATTERN_KEYS},
        )

    @property
    def format_version(self) -> str:
        """The oldest format that plays this pattern as intended (see the module doc)."""
        return VERSION if any(t.uses_0_1() for t in self.tracks) else BASE_VERSION

    def sample_refs(self) -> list[str]:
        """The SHA-256 of every own sample a track uses, once each, in track order: what
        must be uploaded before the message is sent and fetched before it is played."""
        return list(dict.fromkeys(t.sample_sha256 for t in self.tracks if t.sample_sha256))

    def copy(self) -> Pattern:
        """A deep copy whose tracks keep their ``uid``."""
        twin = Pattern.from_snapshot(self.to_snapshot())
        for mine, theirs in zip(self.tracks, twin.tracks, strict=True):
            theirs.uid = mine.uid
        return twin

    def index_of(self, uid: int) -> int | None:
        """Where the track ``uid`` is now; None once it is gone."""
        return next((i for i, t in enumerate(self.tracks) if t.uid == uid), None)

    def metadata(self, loops: int | None = None, app_version: str | None = None) -> dict:
        """The summary a message list shows without parsing the whole snapshot."""
        meta: dict[str, Any] = {
            "bpm": self.bpm,
            "length": self.length,
            "steps_per_beat": self.steps_per_beat,
            "tracks": len(self.tracks),
            "track_names": [t.name for t in self.tracks],
        }
        if loops is not None:
            meta["loops"] = loops
        if app_version is not None:
            meta["app_version"] = app_version
        return meta

    # ---- edits -----------------------------------------------------------------------
    def _track(self, index: int) -> Track:
        if not 0 <= index < len(self.tracks):
            raise IndexError(f"track {index} does not exist ({len(self.tracks)} tracks)")
        return self.tracks[index]

    def _check_step(self, step: int) -> None:
        if not 0 <= step < self.length:
            raise IndexError(f"step {step} is outside 0-{self.length - 1}")

    def set_velocity(self, track: int, step: int, velocity: int) -> None:
        self._check_step(step)
        self._track(track).steps[step] = _integer(
            f"tracks[{track}].steps[{step}]", velocity, 0, VELOCITY_MAX
        )

    def toggle_step(self, track: int, step: int, velocity: int = DEFAULT_VELOCITY) -> int:
        """Switch a step on (at ``velocity``) or off; returns the new velocity."""
        self._check_step(step)
        new = 0 if self._track(track).steps[step] else velocity
        self.set_velocity(track, step, new)
        return new

    def set_length(self, length: int) -> None:
        """Steps that still fit keep their velocities; new steps start silent."""
        length = _integer("length", length, *LENGTH_RANGE)
        for t in self.tracks:
            t.steps = (t.steps + [0] * length)[:length]
        self.length = length

    def regrid(self, steps_per_beat: int) -> RegridReport:
        """Change the grid (e.g. 1/16 → 1/16 triplets) keeping every hit at its time: step
        s moves to the nearest step of the new grid, the length keeps the same number of
        beats (within LENGTH_RANGE). Returns what could not stay exactly where it was."""
        new = _integer("steps_per_beat", steps_per_beat, 1, max(STEPS_PER_BEAT_CHOICES))
        old = self.steps_per_beat
        length = min(max(round(self.length * new / old), LENGTH_RANGE[0]), LENGTH_RANGE[1])
        moved = merged = dropped = 0
        for t in self.tracks:
            steps = [0] * length
            for s, velocity in enumerate(t.steps):
                if not velocity:
                    continue
                exact = s * new / old
                target = math.floor(exact + 0.5)  # a tie goes to the later step
                if target >= length:
                    dropped += 1
                    continue
                if target != exact:
                    moved += 1
                if steps[target]:
                    merged += 1
                steps[target] = max(steps[target], velocity)
            t.steps = steps
        self.steps_per_beat = new
        self.length = length
        return RegridReport(moved, merged, dropped)

    def add_track(self, name: str, sample: str, index: int | None = None) -> Track:
        if len(self.tracks) >= MAX_TRACKS:
            raise _error("tracks", f"are full: a pattern has at most {MAX_TRACKS} tracks")
        track = Track(
            name=_text("name", name), sample=_text("sample", sample), steps=[0] * self.length
        )
        self.tracks.insert(len(self.tracks) if index is None else index, track)
        return track

    def unique_track_name(self, base: str) -> str:
        """``base`` if no track has that name yet, else "base 2", "base 3"...: two rows
        both called "Clap" cannot be told apart in the grid or in a message's summary."""
        taken = {t.name.casefold() for t in self.tracks}
        if base.casefold() not in taken:
            return base
        n = 2
        while f"{base} {n}".casefold() in taken:
            n += 1
        return f"{base} {n}"

    def remove_track(self, index: int) -> Track:
        self._track(index)
        return self.tracks.pop(index)

    def rename_track(self, index: int, name: str) -> None:
        self._track(index).name = _text(f"tracks[{index}].name", name)

    def set_mute(self, index: int, mute: bool) -> None:
        self._track(index).mute = bool(mute)

    def set_solo(self, index: int, solo: bool) -> None:
        self._track(index).solo = bool(solo)

    def set_volume(self, index: int, volume: float) -> None:
        self._track(index).volume = _number(f"tracks[{index}].volume", volume, 0.0, 1.0)

    def set_pan(self, index: int, pan: float) -> None:
        self._track(index).pan = _number(f"tracks[{index}].pan", pan, -1.0, 1.0)

    def set_own_sample(self, index: int, sha256: str | None, name: str | None = None) -> None:
        """Play the musician's own audio on a track (None: back to the kit sound)."""
        track = self._track(index)
        if sha256 is None:
            track.sample_sha256 = track.sample_name = None
            return
        track.sample_sha256 = _sha256(f"tracks[{index}].sample_sha256", sha256)
        track.sample_name = None if name is None else _text(f"tracks[{index}].sample_name", name)

    def set_pitch(self, index: int, semitones: float) -> None:
        self._track(index).pitch = _number(f"tracks[{index}].pitch", semitones, *PITCH_RANGE)

    def set_decay(self, index: int, seconds: float | None) -> None:
        self._track(index).decay = (
            None if seconds is None else _decay(f"tracks[{index}].decay", seconds)
        )

    def set_choke(self, index: int, group: int | None) -> None:
        self._track(index).choke = (
            None if group is None else _choke(f"tracks[{index}].choke", group)
        )

    def set_bpm(self, bpm: float) -> None:
        self.bpm = _number("bpm", bpm, *BPM_RANGE)

    def set_swing(self, swing: float) -> None:
        self.swing = _number("swing", swing, *SWING_RANGE)


def check_pattern_document(data: object) -> None:
    """Refuse a JSON document that is not a pattern at all, before ``from_snapshot`` fills
    in its defaults: ``{"not": "a pattern"}`` would otherwise load as an empty 120 BPM grid
    over the musician's work (the values are ``from_snapshot``'s to check, once the file's
    sounds are resolved). A pattern has at least one of a pattern's own keys; every
    Sequencer writes ``"format"``, hand-written files may give only ``"tracks"``."""
    if not isinstance(data, Mapping):
        raise SnapshotError(
            f"This is not a pattern: expected an object, got {_kind(data)}.", "snapshot"
        )
    if not _PATTERN_KEYS.intersection(data):
        keys = ", ".join(f'"{k}"' for k in list(data)[:4]) or "nothing"
        raise SnapshotError(
            f'This is not a Sequencer pattern: it has no "format": "{FORMAT}", no "tracks"'
            f" and no other field of a pattern (it holds {keys}).",
            "format",
        )


def _steps(length: int, on: Iterable[int], velocity: int = DEFAULT_VELOCITY) -> list[int]:
    hits = set(on)
    return [velocity if i in hits else 0 for i in range(length)]


@dataclass(frozen=True)
class RegridReport:
    """Hits that a change of grid could not keep exactly: moved to the nearest step,
    merged with another hit on the same step (the louder kept), or past the end."""

    moved: int = 0
    merged: int = 0
    dropped: int = 0

    def describe(self, steps_per_beat: int) -> str:
        """One sentence for the musician."""
        parts = []
        if self.moved:
            parts.append(f"{self.moved} hit{'s' * (self.moved != 1)} moved to the nearest step")
        if self.merged:
            parts.append(f"{self.merged} merged with a hit on the same step")
        if self.dropped:
            parts.append(f"{self.dropped} past the end removed")
        if not parts:
            return f"Grid set to {steps_per_beat} steps a beat; every hit kept its time."
        return f"Grid set to {steps_per_beat} steps a beat: " + ", ".join(parts) + "."


def demo_pattern() -> Pattern:
    """The first-run groove: a four-on-the-floor house beat on all eight default sounds,
    so a new user hears the kit at once."""
    n = 16
    hats = [80 if i % 2 == 0 else 50 for i in range(n)]
    hats[14] = 0
    return Pattern(
        bpm=122.0,
        swing=0.1,
        length=n,
        tracks=[
            Track("Kick", "kick", _steps(n, [0, 4, 8, 12], 112), volume=0.9),
            Track("Snare", "snare", _steps(n, [4, 12], 96), volume=0.7),
            Track("Clap", "clap", _steps(n, [4, 12], 100), volume=0.6, pan=0.1),
            Track("Closed hat", "closed_hat", hats, volume=0.5, pan=-0.2),
            Track("Open hat", "open_hat", _steps(n, [14], 90), volume=0.5, pan=0.2),
            Track("Low tom", "low_tom", _steps(n, [11], 80), volume=0.6, pan=-0.3),
            Track("High tom", "high_tom", _steps(n, [15], 70), volume=0.6, pan=0.3),
            Track("Rim", "rim", _steps(n, [3, 7, 10], 70), volume=0.5, pan=0.15),
        ],
    )


def empty_pattern(length: int = 16) -> Pattern:
    """A fresh pattern with one silent track per default sound."""
    return Pattern(
        length=length,
        tracks=[
            Track(s.replace("_", " ").capitalize(), s, [0] * length) for s in DEFAULT_KIT_SAMPLES
        ],
    )
