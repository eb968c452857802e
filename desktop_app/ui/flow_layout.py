"""A layout that lines its items up left to right and starts a new row when one is full.

The sequencer's toolbar (transport, tempo/swing/steps/grid, undo/redo) needs about 860 px
on one line; in a small window its groups move to a second (or third) line instead of
being squeezed over each other. The layout reports its height for a width, so the panel
below it moves down exactly as far as the extra rows need.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """``FlowLayout(parent=None, spacing=12, row_spacing=8)``.

    Items get their size hint's width, shrunk to the row when one item alone is wider than
    the row (never below its minimum); within a row they share the bottom edge. On the
    first line the first item grows into the free room up to its maximum width (the
    transport's status text uses it) and the others move to the line's right end.
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 12, row_spacing: int = 8):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self._row_spacing = row_spacing

    # ---- QLayout ---------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        """Everything on one line."""
        m = self.contentsMargins()
        visible = self._visible()
        width = sum(i.sizeHint().width() for i in visible) + self._spacing * max(
            0, len(visible) - 1
        )
        height = max((i.sizeHint().height() for i in visible), default=0)
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        """The widest item alone on a line."""
        m = self.contentsMargins()
        width = max((i.minimumSize().width() for i in self._visible()), default=0)
        return QSize(
            width + m.left() + m.right(), self.heightForWidth(width + m.left() + m.right())
        )

    # ---- placing ---------------------------------------------------------------------
    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _rows(self, width: int) -> list[list[tuple[QLayoutItem, int]]]:
        rows: list[list[tuple[QLayoutItem, int]]] = [[]]
        used = 0
        for item in self._visible():
            w = max(item.minimumSize().width(), min(item.sizeHint().width(), width))
            need = w if not rows[-1] else used + self._spacing + w
            if rows[-1] and need > width:
                rows.append([])
                used = 0
                need = w
            rows[-1].append((item, w))
            used = need
        return [r for r in rows if r]

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        m: QMargins = self.contentsMargins()
        area = rect.marginsRemoved(m)
        y = area.top()
        x_rest = area.left()
        for n, row in enumerate(self._rows(area.width())):
            height = max(item.sizeHint().height() for item, _w in row)
            if apply:
                free = area.width() - sum(w for _i, w in row) - self._spacing * (len(row) - 1)
                x = area.left()
                for k, (item, w) in enumerate(row):
                    if n == 0 and k == 0 and free > 0:
                        grown = min(w + free, item.maximumSize().width())
                        free -= grown - w
                        w = grown
                        x_rest = x + w + self._spacing + (free if len(row) > 1 else 0)
                    elif n == 0 and k == 1 and free > 0:
                        x = x_rest  # the rest of the first line sits at its right end
                    h = min(item.sizeHint().height(), height)
                    item.setGeometry(QRect(QPoint(x, y + height - h), QSize(w, h)))
                    x += w + self._spacing
            y += height + self._row_spacing
        return y - self._row_spacing - area.top() + m.top() + m.bottom()
