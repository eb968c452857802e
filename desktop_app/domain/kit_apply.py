"""Between a pattern's tracks and a kit's sounds, both ways.

Picking a kit changes sounds, never the musician's steps. A musician expects the kit's
kick on the kick row and its closed hat on the closed-hat row, whatever order the kit lists
its sounds in (Hydrogen's TR-808 kit has two kicks and two snares before its hats; by
position its "Snare 2" played the hat row). So each track first takes a kit sound of its
own kind, judged by the track's built-in sound and then its name, against the words drum
machines, Hydrogen and General MIDI name a sound with ("BD", "Hat Closed", "Floor Tom",
"Side Stick"); each kit sound goes to one track at most. The tracks left take the sounds
left in the kit's order, which is also how a kit saved from a pattern comes back. A track
takes the sound's name, audio, volume, pan, pitch, decay and choke group, and keeps its
steps, mute and solo. A kit with more sounds than the pattern has tracks adds silent
tracks for the rest; tracks no sound is left for keep what they play. The whole change is
one edit, so one Undo brings the old sounds back.
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
from desktop_app.domain.pattern import DEFAULT_KIT_SAMPLES, Pattern
from desktop_app.domain.track import Track, default_choke

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


# A sound's kind by the words of its name: (kind, how surely), or None. Rim comes before
# snare ("Snare Rimshot" is a rim sound) and an explicit closed hat before a pedal hat.
_HAT = r"hat|\bhh\b"


def _normal(name: str) -> str:
    """Lower case, separators as spaces, digits apart from letters ("BD1" → "bd 1") and
    the spellings of hi-hat as one word."""
    text = re.sub(r"[_\-./]+", " ", name.casefold())
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)
    return re.sub(r"\bhi ?hat", "hihat", text)


def sound_kind(name: str) -> tuple[str, int] | None:
    """The built-in sound a kit sound called ``name`` stands for, and how surely (2: named
    so; 1: likely, e.g. a semi-open hat; 0: a guess, e.g. a pedal hat or a numbered tom),
    or None when the name says nothing (a cowbell, a crash)."""
    text = _normal(name)
    if re.search(r"\brim|side ?stick|\bstick\b|\brs\b", text):
        return "rim", 2
    if re.search(r"clap|\bcp\b", text):
        return "clap", 2
    if re.search(r"kick|\bkik\b|\bbd\b|bass ?drum", text):
        return "kick", 2
    if re.search(r"snare|\bsd\b", text):
        return "snare", 2
    hat = re.search(_HAT, text) is not None
    if re.search(r"\bohh?\b", text) or (hat and re.search(r"open|\bop\b", text)):
        return "open_hat", 1 if re.search(r"semi|half", text) else 2
    if re.search(r"\bchh?\b", text) or (hat and re.search(r"closed|\bcl\b", text)):
        return "closed_hat", 2
    if hat:
        return "closed_hat", 0 if re.search(r"pedal|\bpd\b", text) else 1
    tom = re.search(r"\btoms?\b", text) is not None
    if re.search(r"\blt\b", text) or (tom and re.search(r"floor|\blow?\b", text)):
        return "low_tom", 2
    if re.search(r"\bht\b", text) or (tom and re.search(r"\bhi(gh)?\b|rack", text)):
        return "high_tom", 2
    if re.search(r"\bmt\b", text) or (tom and re.search(r"\bmid", text)):
        return "high_tom", 1
    if tom:
        return "high_tom", 0
    return None


def match_sounds(tracks: list[Track], kit: KitSpec) -> list[int | None]:
    """For each track, the index of the kit sound it takes (None: no sound is left for it).
    Kind first (the track's built-in sound, then its name), the surest and then the first
    such sound; then the tracks left take the sounds left in order."""
    kinds: list[str | None] = []
    sureness: list[int] = []
    for sound in kit.sounds:
        kind = sound_kind(sound.name)
        if kind is None and sound.builtin is not None:
            kind = (sound.builtin, 0)
        kinds.append(kind[0] if kind else None)
        sureness.append(kind[1] if kind else 0)
    free = list(range(len(kit.sounds)))
    taken: list[int | None] = [None] * len(tracks)
    for t, track in enumerate(tracks):
        by_name = sound_kind(track.name)
        for wanted in (track.sample, by_name[0] if by_name else None):
            same = [i for i in free if wanted is not None and kinds[i] == wanted]
            if same:
                best = min(same, key=lambda i: (-sureness[i], i))
                taken[t] = best
                free.remove(best)
                break
    for t in range(len(tracks)):
        if taken[t] is None and free:
            taken[t] = free.pop(0)
    return taken


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
    taken = match_sounds(after.tracks, kit)
    used = {i for i in taken if i is not None}
    for i, sound in enumerate(kit.sounds):
        if i not in used:
            taken.append(i)
            after.tracks.append(Track("", builtin_for(sound.name, i), [0] * after.length))
    added = len(after.tracks) - len(pattern.tracks)
    # Names are unique among the kit's sounds and the tracks no sound is left for.
    named = Pattern(tracks=[k for k, i in zip(after.tracks, taken, strict=True) if i is None])
    for t, index in enumerate(taken):
        if index is None:
            continue
        sound = kit.sounds[index]
        track = after.tracks[t]
        track.name = named.unique_track_name(sound.name)
        named.tracks.append(Track(track.name, track.sample, []))
        if sound.file is not None:
            sample = own[sound.file]
            after.set_own_sample(t, sample.sha256, sample.name)
        else:
            assert sound.builtin is not None
            after.set_own_sample(t, None)
            track.sample = sound.builtin
        after.set_volume(t, sound.volume)
        after.set_pan(t, sound.pan)
        after.set_pitch(t, sound.pitch)
        after.set_decay(t, sound.decay)
        after.set_choke(t, sound.choke)
    kept = taken.count(None)
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
