"""The pattern being edited, its undo history and the transport, as one QObject the UI binds to.

All edits go through methods here, which push undo commands; the commands call back the
``_apply_*`` methods, which are the only place the pattern is mutated. Each applied change
is handed to the engine at once (``engine.set_pattern`` copies it and uses it from the next
step), so editing while playing is heard immediately.

Two parts have their own reasons to change: a track's own sound and the sample cache
(``track_sounds``), and following the engine for the transport (``engine_transport``);
this class keeps the face the UI binds to.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from desktop_app.audio.timing import bars_beats
from desktop_app.domain import step_edits
from desktop_app.domain.pattern import DEFAULT_KIT_SAMPLES, DEFAULT_VELOCITY, Pattern, demo_pattern
from desktop_app.domain.track import VELOCITY_MAX, default_choke
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.track_samples import ImportedSample, SampleStore
from desktop_app.state.engine_transport import EngineTransport
from desktop_app.state.sample_drops import SampleDrops
from desktop_app.state.track_sounds import TrackSounds
from desktop_app.state.undo_commands import (
    PatternPropertyCommand,
    ReplacePatternCommand,
    StepKey,
    StepsCommand,
    TrackPropertyCommand,
    TrackValue,
)

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine

UNDO_LIMIT = 500

_TRACK_SETTERS: dict[str, Callable[[Pattern, int, Any], None]] = {
    "volume": Pattern.set_volume,
    "pan": Pattern.set_pan,
    "mute": Pattern.set_mute,
    "solo": Pattern.set_solo,
    "name": Pattern.rename_track,
    "pitch": Pattern.set_pitch,
    "decay": Pattern.set_decay,
    "choke": Pattern.set_choke,
}
_PATTERN_SETTERS = {
    "bpm": Pattern.set_bpm,
    "swing": Pattern.set_swing,
}


def _clamp_velocity(value: int) -> int:
    return max(0, min(VELOCITY_MAX, int(value)))


def _sample_label(sample: str) -> str:
    return sample.replace("_", " ").capitalize()


class SequencerState(QObject):
    """The open pattern, its undo stack and the transport.

    ``pattern`` is the live object: read it freely, change it only through the methods
    here so the change is undoable, heard and shown.
    """

    patternChanged = Signal()
    playingChanged = Signal(bool)
    currentStepChanged = Signal(int)  # -1 when stopped
    # One sentence about an edit that changed more than asked (a regrouped grid).
    notice = Signal(str)

    def __init__(
        self,
        engine: Engine | None,
        parent: QObject | None = None,
        *,
        pattern: Pattern | None = None,
        samples: SampleStore | None = None,
        tasks: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._pattern = pattern.copy() if pattern is not None else demo_pattern()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._gestures = itertools.count(1)
        # Hits a shorter length cut off, by track (``Track.uid``) and step: a length that
        # grows again brings them back, as Hydrogen keeps the notes past a pattern's end.
        self._past_end: dict[int, dict[int, int]] = {}
        self._sounds = TrackSounds(self, samples, engine)
        self._sounds.protect()
        # Files dropped or picked for tracks, read on ``tasks``' workers (the global pool
        # without one): the window never waits for a decode.
        self.drops = SampleDrops(self, samples, tasks, self.notice.emit, self)
        if engine is not None:
            engine.set_pattern(self._pattern)
        self._transport = EngineTransport(
            engine, self, self.playingChanged.emit, self.currentStepChanged.emit
        )

    # ---- reading ---------------------------------------------------------------------
    @property
    def pattern(self) -> Pattern:
        return self._pattern

    @property
    def engine(self) -> Engine | None:
        return self._engine

    def snapshot(self) -> dict[str, Any]:
        """The pattern as a message ``snapshot`` (a fresh dict, safe to keep)."""
        return self._pattern.to_snapshot()

    def play_position(self) -> tuple[str, float] | None:
        """Where playback is: bars.beats (from "1.1") and seconds since Play, counted over
        every loop; None while stopped."""
        engine = self._engine
        frames = engine.position_frames() if engine is not None else None
        if engine is None or frames is None:
            return None
        rate = engine.sample_rate
        return bars_beats(self._pattern, rate, frames), frames / rate

    def sample_names(self) -> list[str]:
        """The kit's sounds, for the "Add track" menu."""
        kit = getattr(self._engine, "kit", None)
        samples = getattr(kit, "samples", None)
        if samples:
            return list(samples)
        return list(DEFAULT_KIT_SAMPLES)

    def sound_missing(self, track: int) -> bool:
        return self._sounds.sound_missing(track)

    def new_gesture(self) -> int:
        """A token that makes the edits of one mouse stroke or fader drag one undo step."""
        return next(self._gestures)

    # ---- whole pattern ---------------------------------------------------------------
    def set_pattern(self, pattern: Pattern) -> None:
        """Open a pattern as a new document: not undoable, clears the history (start-up,
        "New pattern"). Loading from a message uses ``load_snapshot`` instead."""
        self._apply_pattern(pattern.copy())
        self.undo_stack.clear()

    def load_snapshot(self, data: Mapping[str, Any], text: str = "Load pattern") -> None:
        """Replace the pattern with a message's snapshot, as one undoable step.

        Raises ``SnapshotError`` (with the offending field) before anything changes.
        """
        after = Pattern.from_snapshot(data)
        self.undo_stack.push(ReplacePatternCommand(self, self._pattern, after, text))

    # ---- steps -----------------------------------------------------------------------
    def set_steps(
        self, values: Mapping[StepKey, int], text: str = "Edit steps", gesture: int | None = None
    ) -> None:
        """Set several cells at once; cells already at their value are left out, so a
        stroke that changes nothing leaves no undo step."""
        changes: dict[StepKey, tuple[int, int]] = {}
        for (track, step), value in values.items():
            self._check_cell(track, step)
            old = self._pattern.tracks[track].steps[step]
            new = _clamp_velocity(value)
            if old != new:
                changes[(track, step)] = (old, new)
        if changes:
            self.undo_stack.push(StepsCommand(self, changes, text, gesture))

    def set_step(
        self, track: int, step: int, velocity: int, gesture: int | None = None, text: str = ""
    ) -> None:
        label = text or ("Erase step" if velocity == 0 else "Set step")
        self.set_steps({(track, step): velocity}, label, gesture)

    def toggle_step(self, track: int, step: int, velocity: int = DEFAULT_VELOCITY) -> int:
        """Switch a step on at ``velocity`` or off; returns the new velocity."""
        self._check_cell(track, step)
        new = 0 if self._pattern.tracks[track].steps[step] else velocity
        self.set_step(track, step, new, text="Toggle step")
        return new

    def clear_track(self, track: int, text: str = "") -> None:
        after = self._pattern.copy()
        step_edits.clear_track(after, track)
        self._set_steps_of(after, text or f"Clear {self._pattern.tracks[track].name}")

    def clear_all(self) -> None:
        """Every step off, tracks and their sounds and mix kept: one undo step."""
        after = self._pattern.copy()
        step_edits.clear_pattern(after)
        self._set_steps_of(after, "Clear pattern")

    def track_clip(self, track: int) -> list[int]:
        """Track ``track``'s steps as a clip to paste elsewhere (``step_edits``)."""
        return step_edits.copy_track(self._pattern, track)

    def paste_clip(self, track: int, clip: Sequence[int]) -> None:
        """Replace track ``track``'s steps with ``clip``, repeated or cut to the pattern's
        length; one undo step, none when the row already holds exactly that. Raises
        ``ClipError`` for a clip that is not one, before anything changes."""
        after = self._pattern.copy()
        step_edits.paste_track(after, track, clip)
        self._set_steps_of(after, f"Paste steps into {self._pattern.tracks[track].name}")

    def double_length(self) -> int:
        """Twice the length, the steps repeated in the added half (at most the longest
        pattern); one undo step. Returns the new length."""
        after = self._pattern.copy()
        length = step_edits.double_pattern(after)
        if length != self._pattern.length:
            self.replace_pattern(after, f"Double length to {length} steps")
        return length

    def _set_steps_of(self, after: Pattern, text: str) -> None:
        """The cells ``after`` (a same-shaped copy of the pattern) changed, as one undo step."""
        values = {
            (t, s): velocity
            for t, track in enumerate(after.tracks)
            for s, velocity in enumerate(track.steps)
        }
        self.set_steps(values, text)

    # ---- tracks ----------------------------------------------------------------------
    def set_volume(self, track: int, volume: float, gesture: int | None = None) -> None:
        volume = round(min(1.0, max(0.0, float(volume))), 3)
        self._push_track(track, "volume", volume, "Volume", gesture)

    def set_pan(self, track: int, pan: float, gesture: int | None = None) -> None:
        pan = round(min(1.0, max(-1.0, float(pan))), 3)
        self._push_track(track, "pan", pan, "Pan", gesture)

    def set_mute(self, track: int, mute: bool) -> None:
        self._push_track(track, "mute", bool(mute), "Unmute" if not mute else "Mute", None)

    def set_solo(self, track: int, solo: bool) -> None:
        self._push_track(track, "solo", bool(solo), "Solo" if solo else "Unsolo", None)

    def rename_track(self, track: int, name: str) -> None:
        name = name.strip()
        if not name:
            raise ValueError("a track name cannot be empty")
        self._push_track(track, "name", name, "Rename", None)

    def add_track(self, sample: str, name: str | None = None, index: int | None = None) -> int:
        """Add a silent track playing ``sample``; returns its index. The name is made
        unique ("Clap 2") if a track already has it."""
        after = self._pattern.copy()
        label = after.unique_track_name(name or _sample_label(sample))
        after.add_track(label, sample, index)
        where = len(after.tracks) - 1 if index is None else index
        self.replace_pattern(after, f"Add track {label}")
        return where

    def remove_track(self, track: int) -> None:
        after = self._pattern.copy()
        removed = after.remove_track(track)
        self.replace_pattern(after, f"Remove track {removed.name}")

    def duplicate_track(self, track: int) -> int:
        after = self._pattern.copy()
        source = after.tracks[track]
        copy = after.add_track(
            after.unique_track_name(f"{source.name} copy"), source.sample, track + 1
        )
        copy.steps = list(source.steps)
        copy.volume, copy.pan = source.volume, source.pan
        copy.sample_sha256, copy.sample_name = source.sample_sha256, source.sample_name
        copy.pitch, copy.decay, copy.choke = source.pitch, source.decay, source.choke
        self.replace_pattern(after, f"Duplicate {source.name}")
        return track + 1

    # ---- a track's sound (see track_sounds) ------------------------------------------
    def import_sample(self, path: str | os.PathLike[str]) -> ImportedSample:
        return self._sounds.import_sample(path)

    def set_track_sample(self, track: int, path: str | os.PathLike[str]) -> ImportedSample:
        return self._sounds.set_track_sample(track, path)

    def add_sample_track(self, path: str | os.PathLike[str], index: int | None = None) -> int:
        return self._sounds.add_sample_track(path, index)

    def use_sample(self, track: int, sample: ImportedSample) -> None:
        self._sounds.use_sample(track, sample)

    def add_track_playing(self, sample: ImportedSample, index: int | None = None) -> int:
        return self._sounds.add_track_playing(sample, index)

    def use_builtin_sound(self, track: int) -> None:
        self._sounds.use_builtin_sound(track)

    def refresh_sounds(self) -> None:
        """Samples arrived in the cache (fetched after a Load): play and show them. Not an
        edit, so nothing goes on the undo stack."""
        self._changed()

    def set_pitch(self, track: int, semitones: float, gesture: int | None = None) -> None:
        self._push_track(track, "pitch", round(float(semitones), 2), "Pitch", gesture)

    def set_decay(self, track: int, seconds: float | None, gesture: int | None = None) -> None:
        value = None if seconds is None else round(float(seconds), 3)
        self._push_track(track, "decay", value, "Decay", gesture)

    def set_choke(self, track: int, group: int) -> None:
        """Put the track in choke group ``group`` (0: none). The default group is stored
        as "default", so a kit hat pair saved unchanged stays a 0.0.1 pattern."""
        t = self._pattern.tracks[track]
        value: int | None = int(group)
        if value == default_choke(t):
            value = None
        self._push_track(track, "choke", value, "Choke group", None)

    # ---- pattern settings ------------------------------------------------------------
    def set_bpm(self, bpm: float, gesture: int | None = None) -> None:
        self._push_pattern("bpm", round(float(bpm), 2), "Tempo", gesture)

    def set_swing(self, swing: float, gesture: int | None = None) -> None:
        self._push_pattern("swing", round(float(swing), 3), "Swing", gesture)

    def set_length(self, length: int) -> None:
        """A shorter pattern keeps what it cut off aside, and a longer one takes it back:
        typing 12 then 16 emptied the fourth beat (only Undo brought it back)."""
        before = self._pattern
        if length == before.length:
            return
        after = before.copy()
        after.set_length(length)
        for track in before.tracks if length < before.length else after.tracks:
            kept = self._past_end.setdefault(track.uid, {})
            for step in range(min(length, before.length), max(length, before.length)):
                if length < before.length:
                    kept[step] = track.steps[step]
                elif step in kept:
                    track.steps[step] = kept.pop(step)
        self.replace_pattern(after, f"Length {length} steps")

    def set_steps_per_beat(self, steps_per_beat: int) -> None:
        if steps_per_beat == self._pattern.steps_per_beat:
            return
        after = self._pattern.copy()
        # Every hit keeps its time (nearest step of the new grid): a groove switched to
        # triplets still sounds where it did, and the notice says what had to move.
        report = after.regrid(int(steps_per_beat))
        self._past_end.clear()  # kept by the old grid's steps
        after = Pattern.from_snapshot(after.to_snapshot())  # validates the value
        self.replace_pattern(after, f"{steps_per_beat} steps per beat")
        self.notice.emit(report.describe(after.steps_per_beat))

    # ---- transport -------------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        return self._transport.playing

    @property
    def current_step(self) -> int:
        return self._transport.current_step

    def play(self) -> None:
        self._transport.play(self._pattern)

    def stop(self) -> None:
        self._transport.stop()

    def toggle_playing(self) -> None:
        if self._transport.playing:
            self.stop()
        else:
            self.play()

    # ---- applying changes (called by the undo commands) ------------------------------
    def _apply_steps(self, values: Mapping[StepKey, int]) -> None:
        for (track, step), value in values.items():
            self._pattern.set_velocity(track, step, value)
        self._changed()

    def _apply_track_property(self, track: int, name: str, value: TrackValue) -> None:
        _TRACK_SETTERS[name](self._pattern, track, value)
        self._changed()

    def _apply_pattern_property(self, name: str, value: float) -> None:
        _PATTERN_SETTERS[name](self._pattern, value)
        self._changed()

    def _apply_pattern(self, pattern: Pattern) -> None:
        self._pattern = pattern
        self._changed()

    def replace_pattern(self, after: Pattern, text: str) -> None:
        """Make ``after`` the pattern as one undoable step (also how the parts edit it)."""
        self.undo_stack.push(ReplacePatternCommand(self, self._pattern, after, text))

    # ---- internals -------------------------------------------------------------------
    def _changed(self) -> None:
        self._sounds.protect()
        if self._engine is not None:
            self._engine.set_pattern(self._pattern)
        self.patternChanged.emit()

    def _check_cell(self, track: int, step: int) -> None:
        if not 0 <= track < len(self._pattern.tracks):
            raise IndexError(f"track {track} does not exist ({len(self._pattern.tracks)} tracks)")
        if not 0 <= step < self._pattern.length:
            raise IndexError(f"step {step} is outside 0-{self._pattern.length - 1}")

    def _push_track(
        self, track: int, name: str, value: TrackValue, label: str, gesture: int | None
    ) -> None:
        t = self._pattern.tracks[track]
        old = getattr(t, name)
        if old == value:
            return
        self._check_track_value(track, name, value)
        text = f"{label} {t.name}" if name != "name" else f"Rename {t.name} to {value}"
        self.undo_stack.push(TrackPropertyCommand(self, (track, name), old, value, text, gesture))

    def _check_track_value(self, track: int, name: str, value: TrackValue) -> None:
        """Validate on a scratch copy so a refused value never reaches the undo stack."""
        _TRACK_SETTERS[name](self._pattern.copy(), track, value)

    def _push_pattern(self, name: str, value: float, label: str, gesture: int | None) -> None:
        old = getattr(self._pattern, name)
        if old == value:
            return
        _PATTERN_SETTERS[name](self._pattern.copy(), value)  # validate first
        self.undo_stack.push(PatternPropertyCommand(self, (name,), old, value, label, gesture))
