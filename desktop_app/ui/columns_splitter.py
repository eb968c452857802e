"""The window's three columns and how they share out a resize.

Kept apart from ``main_window.py`` because how the columns give and take room changes for
reasons of its own (what the sequencer grid wants, what the musician dragged), not with
the window's menus or bindings.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget


class ColumnsSplitter(QSplitter):
    """The window's three columns: thread list, sequencer, conversation.

    The widths last set or dragged are the musician's preferred ones. When the window
    grows past them, the sequencer grows only until its whole pattern shows (its
    ``wanted_width``) and the conversation takes the rest — no empty space beside the
    grid while the thread stays narrow. When the window is smaller, each column gives
    up room in proportion to what it can spare above its minimum, so going back to the
    old size brings back the old layout — except that the sequencer keeps the width that
    shows its whole pattern with the smallest cells (its ``fitting_width``) until the
    other columns are down to their minimums: a grid scrolling sideways costs the
    musician more than a narrower thread list or conversation.
    """

    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self._preferred: list[int] = []
        self.splitterMoved.connect(lambda _pos, _index: self._remember(self.sizes()))

    def setSizes(self, sizes: Sequence[int]) -> None:
        super().setSizes(sizes)
        self._remember(sizes)

    def _remember(self, sizes: Sequence[int]) -> None:
        if len(sizes) == self.count() and all(x > 0 for x in sizes):
            self._preferred = list(sizes)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.count() == 3 and len(self._preferred) == 3:
            QSplitter.setSizes(self, self.share(sum(self.sizes())))

    def share(self, total: int) -> list[int]:
        """Widths for the columns when together they have ``total`` px."""
        pref = list(self._preferred)
        columns = [self.widget(i) for i in range(3)]
        mins = [max(w.minimumSizeHint().width(), w.minimumWidth()) if w else 0 for w in columns]
        pref = [max(p, m) for p, m in zip(pref, mins, strict=True)]
        extra = total - sum(pref)
        if extra >= 0:
            wanted = getattr(self.widget(1), "wanted_width", None)
            grid = max(0, min(extra, wanted() - pref[1])) if wanted is not None else 0
            return [pref[0], pref[1] + grid, pref[2] + extra - grid]
        fitting = getattr(self.widget(1), "fitting_width", None)
        floors = list(mins)
        if fitting is not None:
            floors[1] = max(mins[1], min(pref[1], fitting()))
        if sum(floors) > total:  # not even that fits: the sequencer goes below its floor
            pref, floors = floors, mins
        spare = [p - m for p, m in zip(pref, floors, strict=True)]
        ratio = min(1.0, (sum(pref) - total) / max(1, sum(spare)))
        widths = [round(p - s * ratio) for p, s in zip(pref, spare, strict=True)]
        widths[1] += total - sum(widths)  # rounding
        return widths
