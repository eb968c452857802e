"""The window's three columns and how they share out a resize.

Kept apart from ``main_window.py`` because how the columns give and take room changes for
reasons of its own (what the sequencer grid wants, what the musician dragged), not with
the window's menus or bindings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget


@runtime_checkable
class FoldingColumn(Protocol):
    """The left column (the thread list): folds to a rail when the window is narrow."""

    folded: bool

    def set_folded(self, folded: bool) -> None: ...

    def open_minimum_width(self) -> int: ...


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
    musician more than a narrower thread list or conversation. The sequencer first gives
    up its full track headers for compact ones (its ``fitting_width(compact=True)``), and
    when even that does not fit beside the open thread list, the list folds to a rail
    (a window at its 760 px minimum showed three of sixteen steps).

    Folding: the musician's fold (the « button, View → Thread list) holds at any width
    (``user_folded``, remembered by the window); otherwise the list folds by itself while
    the window is narrow, and opening it there holds until the window is widened again.
    """

    foldChanged = Signal(bool)

    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self._preferred: list[int] = []
        self._shown: list[int] = []  # the widths last laid out, to see what a drag moved
        # the widths dropped by a drag, kept until the window's width changes
        self._held: tuple[int, list[int]] | None = None
        self.user_folded = False
        self._open_while_narrow = False
        self._was_narrow = False
        self.splitterMoved.connect(lambda _pos, _index: self._dragged())

    def setSizes(self, sizes: Sequence[int]) -> None:
        super().setSizes(sizes)
        self._remember(sizes)
        self._held = None
        self._shown = self.sizes()

    def preferred_sizes(self) -> list[int]:
        """The widths to come back to (the thread list's open width, even while folded)."""
        return list(self._preferred) if self._preferred else self.sizes()

    def _remember(self, sizes: Sequence[int]) -> None:
        if len(sizes) == self.count() and all(x > 0 for x in sizes):
            self._preferred = list(sizes)

    def _dragged(self) -> None:
        """A handle was dragged: the columns it moved take new preferred widths, the
        others keep theirs. A column the window had squeezed keeps its preference less
        what the drag took (or plus what it gave): in a small window the widths are the
        window's, not the musician's, and taking them as preferences left the thread list
        at 110 px ("Anna+…") in every larger window, even after a restart. The layout
        dropped holds until the window's width changes."""
        sizes = self.sizes()
        if len(self._preferred) != len(sizes) or len(self._shown) != len(sizes):
            self._remember(sizes)
        else:
            mins = self._minimums()
            for i, (now, before) in enumerate(zip(sizes, self._shown, strict=True)):
                if now == before or now <= 0 or (i == 0 and self._folded()):
                    continue  # (the rail's width is not a preference)
                pref = self._preferred[i]
                squeezed = before < pref
                self._preferred[i] = max(mins[i], pref + now - before) if squeezed else now
        self._shown = sizes
        self._held = (self._total(), sizes)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # A column's minimum changed (compact headers, a folded list): QSplitter shares
        # the room out again by its stretch factors; the columns' own rules come back.
        if event.type() == QEvent.Type.LayoutRequest:
            self._relayout()
        return handled

    def _relayout(self, *, again: bool = False) -> None:
        """Share the room out from the preferred widths; a dragged layout holds while the
        window keeps its width, unless ``again`` (the thread list folded or opened)."""
        if self.count() == 3 and len(self._preferred) == 3:
            total = self._total()
            if self._held is not None and self._held[0] == total and not again:
                QSplitter.setSizes(self, self._held[1])
                return
            self._held = None
            self._update_fold(total)
            QSplitter.setSizes(self, self.share(total))
            self._shown = self.sizes()

    # ---- folding the thread list -------------------------------------------------------------
    def _side(self) -> FoldingColumn | None:
        side = self.widget(0)
        return side if isinstance(side, FoldingColumn) else None

    def _folded(self) -> bool:
        side = self._side()
        return bool(side is not None and side.folded)

    @property
    def threads_folded(self) -> bool:
        return self._folded()

    def is_narrow(self, total: int) -> bool:
        """Too narrow for the open thread list beside the whole bar (compact headers) and
        the conversation at its minimum."""
        side, fitting = self._side(), getattr(self.widget(1), "fitting_width", None)
        if side is None or fitting is None or self.count() != 3:
            return False
        conv = self.widget(2)
        conv_min = max(conv.minimumSizeHint().width(), conv.minimumWidth()) if conv else 0
        return side.open_minimum_width() + fitting(compact=True) + conv_min > total

    def _update_fold(self, total: int) -> None:
        side = self._side()
        if side is None:
            return
        narrow = self.is_narrow(total)
        if not narrow and self._was_narrow:
            self._open_while_narrow = False
        self._was_narrow = narrow
        folded = self.user_folded or (narrow and not self._open_while_narrow)
        if folded != side.folded:
            side.set_folded(folded)
            self.foldChanged.emit(folded)

    def set_user_folded(self, folded: bool) -> None:
        """The musician's own fold, as remembered (it holds at every width)."""
        self.user_folded = folded
        self._relayout(again=True)

    def toggle_threads(self) -> None:
        """Fold the open thread list, open the folded one."""
        narrow = self.is_narrow(self._total())
        if self._folded():
            self.user_folded = False
            self._open_while_narrow = narrow
        elif narrow:
            self._open_while_narrow = False
        else:
            self.user_folded = True
        self._relayout(again=True)

    def refold(self) -> None:
        """A new thread list was put in: fold it as the one before."""
        self._relayout(again=True)

    def _total(self) -> int:
        """The columns' room: the window's width less the handles (whose widgets are
        wider than the line they draw, to be easier to grab)."""
        return sum(self.sizes())

    def _minimums(self) -> list[int]:
        columns = [self.widget(i) for i in range(self.count())]
        return [max(w.minimumSizeHint().width(), w.minimumWidth()) if w else 0 for w in columns]

    def share(self, total: int) -> list[int]:
        """Widths for the columns when together they have ``total`` px."""
        pref = list(self._preferred)
        columns = [self.widget(i) for i in range(3)]
        mins = self._minimums()
        maxs = [w.maximumWidth() if w else 0 for w in columns]
        pref = [min(max(p, m), top) for p, m, top in zip(pref, mins, maxs, strict=True)]
        extra = total - sum(pref)
        if extra >= 0:
            wanted = getattr(self.widget(1), "wanted_width", None)
            grid = max(0, min(extra, wanted() - pref[1])) if wanted is not None else 0
            return [pref[0], pref[1] + grid, pref[2] + extra - grid]
        fitting = getattr(self.widget(1), "fitting_width", None)
        # full track headers beside the whole bar, else compact ones, else what fits
        fits = [fitting(), fitting(compact=True)] if fitting is not None else []
        floors = list(mins)
        for fit in fits:
            floors = list(mins)
            floors[1] = max(mins[1], min(pref[1], fit))
            if sum(floors) <= total:
                break
        if sum(floors) > total:  # not even that fits: the sequencer goes below its floor
            pref, floors = floors, mins
        spare = [p - m for p, m in zip(pref, floors, strict=True)]
        ratio = min(1.0, (sum(pref) - total) / max(1, sum(spare)))
        widths = [round(p - s * ratio) for p, s in zip(pref, spare, strict=True)]
        widths[1] += total - sum(widths)  # rounding
        return widths
