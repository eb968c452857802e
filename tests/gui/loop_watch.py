"""Whether the GUI thread went on while something was read on a worker: a 5 ms timer's
ticks, which stop while the GUI thread is stuck in a read (what a musician sees as a
frozen window)."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer


class LoopWatch:
    """``begin()`` as the work is asked for, ``end()`` once it is done; then
    ``assert_went_on()``."""

    def __init__(self, qtbot) -> None:
        self.ticks: list[float] = []
        self._timer = QTimer()
        self._timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self._timer.start(5)
        qtbot.waitUntil(lambda: len(self.ticks) >= 3)
        self.began = self.took = 0.0

    def begin(self) -> None:
        self.began = time.perf_counter()

    def since_begin(self) -> float:
        return time.perf_counter() - self.began

    def end(self) -> None:
        self.took = self.since_begin()
        self._timer.stop()

    def assert_went_on(self) -> None:
        """The work was real, long enough that a stall would show (0.06 s: the shortest
        such read on an idle fast machine is about twice that), and the timer kept
        ticking throughout, never waiting half of it."""
        during = [t for t in self.ticks if t >= self.began]
        gaps = np.diff([self.began, *during])
        assert self.took > 0.06, self.took
        assert len(during) >= 5 and gaps.max() < self.took / 2, (gaps.max(), self.took)
