"""Between a pattern's tracks and a kit's sounds, both ways (issue 15).

Picking a kit changes sounds, never the musician's steps. Sound *i* of the kit goes to
track *i* (the order a kit is saved in is its track order, and a drum machine's pads work
the same way): the track takes the sound's name, audio, volume, pan, pitch, decay and
choke group, and keeps its steps, mute and solo. A kit with more sounds than the pattern
has tracks adds silent tracks for the rest; tracks past the kit's last sound keep what
they play. The whole change is one edit, so one Undo brings the old sounds back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop_app.domain.kit_format import (
    KitFormatError,
    KitSound,
    KitSpec,
    safe_file_name,
)
from desktop_app.domain.pattern import DEFAULT_KIT_SAMPLES, Pattern, Track, default_choke

# Words in a sound's name → the built-in sound a new track falls back to (what "built-in
# sound" restores, and the General MIDI note an export gives it).
_GUESSES = (
    (r"kick|bass ?drum|\bbd\b", "kick"),
    (r"rim|stick|click", "rim"),
    (r"clap|hand", "clap"),
    (r"snare|\bsd\b", "snare"),
    (r"open", "open_hat"),
    (r"hat|\bhh\b|shaker", "closed_hat"),
    (r"floor|low tom|tom ?low|tom ?2|tom ?3", "low_tom"),
    (r"tom|conga|bongo|djembe", "high_tom"),
)


@dataclass(frozen=True)
class OwnSample:
    """A sound's audio as the pattern refers to it: the SHA-256 of the file's bytes (the
    file is in the sample cache) and the name shown on the track."""

    sha256: str
    name: str


@dataclass(frozen=True)
class KitApplied:
    """The pattern with the kit's sounds, and what the musician should be told."""

    pattern: Pattern
    changed: int
    added: int
    kept: int

    def describe(self, kit_name: str) -> str:
        parts = [f"Kit {kit_name}: {self.changed} track{'s' * (self.changed != 1)} changed"]
        if self.added:
            parts.append(f"{self.added} added")
        if self.kept:
            parts.append(f"{self.kept} past the kit's sounds kept theirs")
        return ", ".join(parts) + " — Undo brings the old sounds back."


def builtin_for(name: str, index: int) -> str:
    """The built-in sound closest to a sound called ``name`` (by its words), or the kit's
    sound at the same position when the name says nothing."""
    lowered = name.casefold().replace("_", " ").replace("-", " ")
    for pattern, sample in _GUESSES:
        if re.search(pattern, lowered):
            return sample
    return DEFAULT_KIT_SAMPLES[index % len(DEFAULT_KIT_SAMPLES)]


def apply_kit(pattern: Pattern, kit: KitSpec, own: Mapping[str, OwnSample]) -> KitApplied:
    """``pattern`` with ``kit``'s sounds (a new Pattern; ``pattern`` is not touched).
    ``own`` maps each file the kit names to the sample that holds it."""
    after = pattern.copy()
    added = 0
    # Names are unique among the kit's sounds and the tracks kept past them.
    named = Pattern(tracks=after.tracks[len(kit.sounds) :])
    for i, sound in enumerate(kit.sounds):
        if i >= len(after.tracks):
            after.tracks.append(Track("", builtin_for(sound.name, i), [0] * after.length))
            added += 1
        track = after.tracks[i]
        track.name = named.unique_track_name(sound.name)
        named.tracks.append(Track(track.name, track.sample, []))
        if sound.file is not None:
            sample = own[sound.file]
            after.set_own_sample(i, sample.sha256, sample.name)
        else:
            assert sound.builtin is not None
            after.set_own_sample(i, None)
            track.sample = sound.builtin
        after.set_volume(i, sound.volume)
        after.set_pan(i, sound.pan)
        after.set_pitch(i, sound.pitch)
        after.set_decay(i, sound.decay)
        after.set_choke(i, sound.choke)
    kept = max(0, len(pattern.tracks) - len(kit.sounds))
    # Validated as a whole: what the undo stack gets can always be loaded back.
    checked = Pattern.from_snapshot(after.to_snapshot())
    return KitApplied(checked, len(kit.sounds) - added, added, kept)


@dataclass
class KitDraft:
    """A kit made from a pattern's tracks, before it is written: its sounds, and for each
    file it names the SHA-256 of the sample that must be copied there."""

    spec: KitSpec
    files: dict[str, str] = field(default_factory=dict)  # file name → sha256


def kit_from_pattern(name: str, pattern: Pattern, suffixes: Mapping[str, str]) -> KitDraft:
    """The sounds of ``pattern``'s tracks as a kit called ``name``. ``suffixes`` maps each
    own sample's SHA-256 to its file's suffix (".wav"): the copy keeps the format. Two
    tracks playing the same sample share one file."""
    if not pattern.tracks:
        raise KitFormatError("The pattern has no tracks: there are no sounds to save.")
    sounds: list[KitSound] = []
    files: dict[str, str] = {}
    by_sha: dict[str, str] = {}
    for track in pattern.tracks:
        file = builtin = None
        if track.sample_sha256 is not None:
            sha = track.sample_sha256
            file = by_sha.get(sha)
            if file is None:
                file = safe_file_name(track.sample_name or track.name, files, suffixes[sha])
                files[file] = sha
                by_sha[sha] = file
        else:
            builtin = track.sample
        sounds.append(
            KitSound(
                name=track.name,
                file=file,
                builtin=builtin,
                volume=track.volume,
                pan=track.pan,
                pitch=track.pitch,
                decay=track.decay,
                choke=None if track.choke == default_choke(track) else track.choke,
            )
        )
    spec = KitSpec(name.strip(), tuple(sounds))
    spec.to_json()  # every value checked before anything is written
    return KitDraft(spec, files)
