"""How the wheel, + and - and a vertical drag change a step's velocity, and which of
those changes merge into one undo step. No widgets: the grid hands in cells and amounts,
so the arithmetic and the merge rule are the same for the mouse and the keyboard."""

from __future__ import annotations

import time
from collections.abc import Callable

from desktop_app.domain.track import VELOCITY_MAX

WHEEL_STEP = 8  # velocity per wheel notch (or + / - press)
WHEEL_STEP_FINE = 1
WHEEL_MERGE_SECONDS = 0.8  # nudges on one cell within this merge into one undo step
DRAG_PIXELS_PER_VELOCITY = 1.5


def nudged(velocity: int, notches: float, fine: bool) -> int:
    """A lit step's velocity after ``notches`` wheel notches (or key presses); it never
    reaches 0, which would turn the step off."""
    amount = (WHEEL_STEP_FINE if fine else WHEEL_STEP) * notches
    return max(1, min(VELOCITY_MAX, round(velocity + amount)))


def dragged(origin: int, rise: float, fine: bool) -> int:
    """The velocity after dragging up by ``rise`` px from a step that had ``origin``."""
    scale = DRAG_PIXELS_PER_VELOCITY * (4 if fine else 1)
    return max(0, min(VELOCITY_MAX, round(origin + rise / scale)))


class NudgeMerge:
    """Nudges following each other on one cell are one undo step; a pause, another cell
    or ``end`` (a toggle in between) starts a new one."""

    def __init__(self, new_gesture: Callable[[], int]) -> None:
        self._new_gesture = new_gesture
        self._cell: tuple[int, int] | None = None
        self._time = 0.0
        self._gesture = 0

    def gesture_for(self, cell: tuple[int, int]) -> int:
        now = time.monotonic()
        if self._cell != cell or now - self._time > WHEEL_MERGE_SECONDS:
            self._gesture = self._new_gesture()
        self._cell, self._time = cell, now
        return self._gesture

    def end(self) -> None:
        self._cell = None
