"""The pattern being edited, its undo history and the transport, as one QObject the UI binds to.

All edits go through methods here, which push undo commands; the commands call back the
``_apply_*`` methods, which are the only place the pattern is mutated. Each applied change
is handed to the engine at once (``engine.set_pattern`` copies it and uses it from the next
step), so editing while playing is heard immediately.

A track's own sound (issue 15) comes from a file the musician picks or drops: it is
checked and copied into the sample cache (``services.track_samples``) before the pattern
refers to it by SHA-256, so a refused file changes nothing; the open pattern's samples are
protected from the cache's eviction.

The engine is polled rather than called back: ``current_step()`` ~30 Hz while playing (the
playhead highlight) and ``is_playing`` at a lower rate while stopped, so playback started
or stopped elsewhere (the recorder, a device fallback) shows up in the transport too.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack

from desktop_app.domain.pattern import (
    DEFAULT_KIT_SAMPLES,
    DEFAULT_VELOCITY,
    VELOCITY_MAX,
    Pattern,
    default_choke,
    demo_pattern,
)
from desktop_app.services.track_samples import (
    ImportedSample,
    SampleStore,
    TrackSampleError,
    import_track_sample,
)
from desktop_app.state.undo_commands import (
    PatternPropertyCommand,
    ReplacePatternCommand,
    StepKey,
    StepsCommand,
    TrackPropertyCommand,
)

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine

PLAYING_POLL_MS = 33  # ~30 Hz: smooth enough for a playhead, cheap enough to not matter
IDLE_POLL_MS = 200
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
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._samples = samples
        self._pattern = pattern.copy() if pattern is not None else demo_pattern()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._gestures = itertools.count(1)
        self._playing = False
        self._current_step = -1
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._poll)
        self._protect_samples()
        if engine is not None:
            engine.set_pattern(self._pattern)
            self._timer.start(IDLE_POLL_MS)

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

    def sample_names(self) -> list[str]:
        """The kit's sounds, for the "Add track" menu."""
        kit = getattr(self._engine, "kit", None)
        samples = getattr(kit, "samples", None)
        if samples:
            return list(samples)
        return list(DEFAULT_KIT_SAMPLES)

    def sound_missing(self, track: int) -> bool:
        """True when the track's own sample cannot be played here (not in the sample cache
        — deleted, never fetched — or not decodable): it is silent."""
        sha = self._pattern.tracks[track].sample_sha256
        if sha is None:
            return False
        bank = getattr(self._engine, "bank", None)
        if bank is not None:
            return bank.audio(sha) is None
        return self._samples is None or self._samples.lookup(sha) is None

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

    def clear_track(self, track: int) -> None:
        name = self._pattern.tracks[track].name
        values = {(track, s): 0 for s in range(self._pattern.length)}
        self.set_steps(values, f"Clear {name}")

    def clear_all(self) -> None:
        values = {
            (t, s): 0 for t in range(len(self._pattern.tracks)) for s in range(self._pattern.length)
        }
        self.set_steps(values, "Clear pattern")

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
        self.undo_stack.push(
            ReplacePatternCommand(self, self._pattern, after, f"Add track {label}")
        )
        return where

    def remove_track(self, track: int) -> None:
        after = self._pattern.copy()
        removed = after.remove_track(track)
        self.undo_stack.push(
            ReplacePatternCommand(self, self._pattern, after, f"Remove track {removed.name}")
        )

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
        self.undo_stack.push(
            ReplacePatternCommand(self, self._pattern, after, f"Duplicate {source.name}")
        )
        return track + 1

    # ---- a track's sound -------------------------------------------------------------
    def import_sample(self, path: str | os.PathLike[str]) -> ImportedSample:
        """Check an audio file and copy it into the sample cache (no pattern change).
        ``TrackSampleError`` says why a file cannot be used."""
        if self._samples is None:
            raise TrackSampleError("Own sounds need the sample cache, which is not available.")
        return import_track_sample(path, self._samples, self._pattern.sample_refs())

    def set_track_sample(self, track: int, path: str | os.PathLike[str]) -> ImportedSample:
        """The track plays the audio file at ``path`` (one undoable step). Raises
        ``TrackSampleError`` before anything changes when the file cannot be used."""
        t = self._pattern.tracks[track]
        sample = self.import_sample(path)
        after = self._pattern.copy()
        after.set_own_sample(track, sample.sha256, sample.name)
        self.undo_stack.push(
            ReplacePatternCommand(self, self._pattern, after, f"Sound {sample.name} on {t.name}")
        )
        return sample

    def add_sample_track(self, path: str | os.PathLike[str], index: int | None = None) -> int:
        """A new track named after the audio file, playing it; returns its index."""
        sample = self.import_sample(path)
        after = self._pattern.copy()
        label = after.unique_track_name(Path(sample.name).stem.strip() or "Sample")
        fallback = (self.sample_names() or list(DEFAULT_KIT_SAMPLES))[0]
        new = after.add_track(label, fallback, index)
        new.sample_sha256, new.sample_name = sample.sha256, sample.name
        new.volume = 0.8
        where = len(after.tracks) - 1 if index is None else index
        self.undo_stack.push(
            ReplacePatternCommand(self, self._pattern, after, f"Add track {label}")
        )
        return where

    def use_builtin_sound(self, track: int) -> None:
        """Back to the kit's sound the track had before its own sample."""
        t = self._pattern.tracks[track]
        if t.sample_sha256 is None:
            return
        after = self._pattern.copy()
        after.set_own_sample(track, None)
        self.undo_stack.push(
            ReplacePatternCommand(self, self._pattern, after, f"Built-in sound on {t.name}")
        )

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
        if length == self._pattern.length:
            return
        after = self._pattern.copy()
        after.set_length(length)
        self.undo_stack.push(
            ReplacePatternCommand(self, self._pattern, after, f"Length {length} steps")
        )

    def set_steps_per_beat(self, steps_per_beat: int) -> None:
        if steps_per_beat == self._pattern.steps_per_beat:
            return
        after = self._pattern.copy()
        # Every hit keeps its time (nearest step of the new grid): a groove switched to
        # triplets still sounds where it did, and the notice says what had to move.
        report = after.regrid(int(steps_per_beat))
        after = Pattern.from_snapshot(after.to_snapshot())  # validates the value
        self.undo_stack.push(
            ReplacePatternCommand(self, self._pattern, after, f"{steps_per_beat} steps per beat")
        )
        self.notice.emit(report.describe(after.steps_per_beat))

    # ---- transport -------------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def current_step(self) -> int:
        return self._current_step

    def play(self) -> None:
        # The engine's own state, not the polled one: a take that just ended may have
        # stopped playback since the last poll.
        if self._engine is None or self._engine.is_playing:
            return
        self._engine.set_pattern(self._pattern)
        self._engine.start()
        self._poll()

    def stop(self) -> None:
        if self._engine is None:
            return
        self._engine.stop(wait=False)
        self._poll()

    def toggle_playing(self) -> None:
        if self._playing:
            self.stop()
        else:
            self.play()

    # ---- applying changes (called by the undo commands) ------------------------------
    def _apply_steps(self, values: Mapping[StepKey, int]) -> None:
        for (track, step), value in values.items():
            self._pattern.set_velocity(track, step, value)
        self._changed()

    def _apply_track_property(self, track: int, name: str, value: Any) -> None:
        _TRACK_SETTERS[name](self._pattern, track, value)
        self._changed()

    def _apply_pattern_property(self, name: str, value: Any) -> None:
        _PATTERN_SETTERS[name](self._pattern, value)
        self._changed()

    def _apply_pattern(self, pattern: Pattern) -> None:
        self._pattern = pattern
        self._changed()

    # ---- internals -------------------------------------------------------------------
    def _changed(self) -> None:
        self._protect_samples()
        if self._engine is not None:
            self._engine.set_pattern(self._pattern)
        self.patternChanged.emit()

    def _protect_samples(self) -> None:
        if self._samples is not None:
            self._samples.protect_open(self._pattern.sample_refs())

    def _check_cell(self, track: int, step: int) -> None:
        if not 0 <= track < len(self._pattern.tracks):
            raise IndexError(f"track {track} does not exist ({len(self._pattern.tracks)} tracks)")
        if not 0 <= step < self._pattern.length:
            raise IndexError(f"step {step} is outside 0-{self._pattern.length - 1}")

    def _push_track(
        self, track: int, name: str, value: Any, label: str, gesture: int | None
    ) -> None:
        t = self._pattern.tracks[track]
        old = getattr(t, name)
        if old == value:
            return
        self._check_track_value(track, name, value)
        text = f"{label} {t.name}" if name != "name" else f"Rename {t.name} to {value}"
        self.undo_stack.push(TrackPropertyCommand(self, (track, name), old, value, text, gesture))

    def _check_track_value(self, track: int, name: str, value: Any) -> None:
        """Validate on a scratch copy so a refused value never reaches the undo stack."""
        _TRACK_SETTERS[name](self._pattern.copy(), track, value)

    def _push_pattern(self, name: str, value: Any, label: str, gesture: int | None) -> None:
        old = getattr(self._pattern, name)
        if old == value:
            return
        _PATTERN_SETTERS[name](self._pattern.copy(), value)  # validate first
        self.undo_stack.push(PatternPropertyCommand(self, (name,), old, value, label, gesture))

    def _poll(self) -> None:
        engine = self._engine
        if engine is None:
            return
        playing = bool(engine.is_playing)
        step = engine.current_step() if playing else None
        step = -1 if step is None else int(step)
        if playing != self._playing:
            self._playing = playing
            self._timer.start(PLAYING_POLL_MS if playing else IDLE_POLL_MS)
            self.playingChanged.emit(playing)
        if step != self._current_step:
            self._current_step = step
            self.currentStepChanged.emit(step)
