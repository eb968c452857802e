"""Undo commands for pattern edits.

Every edit the musician makes goes through one of these so Ctrl+Z always works. Commands
do not touch the pattern themselves: they call back into an ``Editor`` (the
``SequencerState``), which applies the change, tells the engine and emits signals. That
keeps a single path for "the pattern changed", whether by a fresh edit, an undo or a redo.

Gestures: a mouse stroke over the grid or a fader drag produces many small edits but is one
musical action, so commands carrying the same non-``None`` ``gesture`` token merge into
one undo step (``QUndoCommand.id``/``mergeWith``). A merge that ends where it started
marks itself obsolete and disappears from the stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtGui import QUndoCommand

from desktop_app.domain.pattern import Pattern

StepKey = tuple[int, int]  # (track, step)

Target = tuple[Any, ...]  # what a value command changes: (track, name) or (name,)
Gesture = int | None  # edits of one gesture (a fader drag) merge into one undo step
# A track property: a level or pitch, a flag (bool is a number), a name, or None for the
# sound's own default (decay, choke). Pattern properties (bpm, swing) are numbers.
TrackValue = float | str | None
V = TypeVar("V")  # the value a command sets

_STEPS_ID = 1001
_TRACK_ID = 1002
_PATTERN_ID = 1003


class Editor(Protocol):
    """What a command needs from the state: apply a change and announce it."""

    def _apply_steps(self, values: Mapping[StepKey, int]) -> None: ...

    def _apply_track_property(self, track: int, name: str, value: TrackValue) -> None: ...

    def _apply_pattern_property(self, name: str, value: float) -> None: ...

    def _apply_pattern(self, pattern: Pattern) -> None: ...


class StepsCommand(QUndoCommand):
    """Velocities of some cells changed (toggle, paint, erase, velocity wheel, clear)."""

    def __init__(
        self,
        editor: Editor,
        changes: Mapping[StepKey, tuple[int, int]],
        text: str,
        gesture: int | None = None,
    ) -> None:
        super().__init__(text)
        self._editor = editor
        self.changes: dict[StepKey, tuple[int, int]] = dict(changes)  # key -> (old, new)
        self.gesture = gesture

    def redo(self) -> None:
        self._editor._apply_steps({k: new for k, (_, new) in self.changes.items()})

    def undo(self) -> None:
        self._editor._apply_steps({k: old for k, (old, _) in self.changes.items()})

    def id(self) -> int:
        return _STEPS_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, StepsCommand) or self.gesture is None:
            return False
        if other.gesture != self.gesture:
            return False
        for key, (old, new) in other.changes.items():
            first_old = self.changes[key][0] if key in self.changes else old
            self.changes[key] = (first_old, new)
        self.changes = {k: v for k, v in self.changes.items() if v[0] != v[1]}
        self.setObsolete(not self.changes)
        return True


class _ValueCommand(QUndoCommand, Generic[V]):
    """One value of ``target`` changed from ``old`` to ``new``. Commands of the same gesture
    (a fader drag, quick nudges) and the same target merge into one undo step; a gesture
    that ends where it began leaves no step at all."""

    command_id = -1

    def __init__(
        self, editor: Editor, target: Target, old: V, new: V, text: str, gesture: Gesture = None
    ) -> None:
        super().__init__(text)
        self._editor = editor
        self.target, self.old, self.new = target, old, new
        self.gesture = gesture

    def _apply(self, value: V) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)

    def id(self) -> int:
        return self.command_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (
            type(other) is not type(self)
            or self.gesture is None
            or other.gesture != self.gesture
            or other.target != self.target
        ):
            return False
        self.new = other.new
        self.setObsolete(self.new == self.old)
        return True


class TrackPropertyCommand(_ValueCommand[TrackValue]):
    """One property of one track (volume, pan, mute, solo or name); ``target`` is
    ``(track, name)``."""

    command_id = _TRACK_ID

    def _apply(self, value: TrackValue) -> None:
        track, name = self.target
        self._editor._apply_track_property(track, name, value)


class PatternPropertyCommand(_ValueCommand[float]):
    """A pattern-wide setting that keeps every step (bpm, swing, steps per beat);
    ``target`` is ``(name,)``."""

    command_id = _PATTERN_ID

    def _apply(self, value: float) -> None:
        (name,) = self.target
        self._editor._apply_pattern_property(name, value)


class ReplacePatternCommand(QUndoCommand):
    """Structural edits (add/remove track, length, load from a message): the whole pattern
    before and after, because shortening a pattern or removing a track destroys steps that
    an undo must bring back exactly."""

    def __init__(self, editor: Editor, before: Pattern, after: Pattern, text: str) -> None:
        super().__init__(text)
        self._editor = editor
        self._before = before.copy()
        self._after = after.copy()

    def redo(self) -> None:
        self._editor._apply_pattern(self._after.copy())

    def undo(self) -> None:
        self._editor._apply_pattern(self._before.copy())
