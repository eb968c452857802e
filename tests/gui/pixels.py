"""Finding controls in a rendered widget by their pixels, for tests that click what is
painted rather than where the code under test says it painted.

``grab(widget)`` renders the widget as it is on screen into an RGB array; ``blobs``
returns the bounding boxes of the connected areas of one colour inside a region. The
test then picks the control by its shape (a 28 px disc, a 66 × 24 pill, ...) — nothing
here knows the app's geometry functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

# What a click on a found control sends: the plain left button.
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


@dataclass(frozen=True)
class Blob:
    left: int
    top: int
    right: int  # inclusive
    bottom: int  # inclusive
    pixels: int

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def centre(self) -> QPoint:
        return QPoint((self.left + self.right) // 2, (self.top + self.bottom) // 2)


def grab(widget: QWidget) -> np.ndarray:
    """The widget's pixels as an (height, width, 3) uint8 array, one entry per logical px."""
    image = widget.grab().toImage()
    if image.devicePixelRatio() != 1.0:
        image = image.scaled(widget.size())
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return raw.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def mask_of(pixels: np.ndarray, colour: str, tolerance: int = 24) -> np.ndarray:
    c = QColor(colour)
    target = np.array([c.red(), c.green(), c.blue()], dtype=np.int32)
    return np.abs(pixels.astype(np.int32) - target).max(axis=2) <= tolerance


def blobs(
    pixels: np.ndarray, colour: str, region: QRect | None = None, tolerance: int = 24
) -> list[Blob]:
    """Bounding boxes of the 8-connected areas of ``colour`` inside ``region`` (whole image
    if None), in image coordinates, largest first."""
    mask = mask_of(pixels, colour, tolerance)
    x0 = y0 = 0
    if region is not None:
        x0, y0 = max(0, region.left()), max(0, region.top())
        mask = mask[y0 : region.bottom() + 1, x0 : region.right() + 1]
    seen = np.zeros_like(mask)
    found: list[Blob] = []
    h, w = mask.shape
    for y, x in zip(*np.nonzero(mask), strict=True):
        if seen[y, x]:
            continue
        stack = [(y, x)]
        seen[y, x] = True
        ys: list[int] = []
        xs: list[int] = []
        while stack:
            cy, cx = stack.pop()
            ys.append(cy)
            xs.append(cx)
            for ny in (cy - 1, cy, cy + 1):
                for nx in (cx - 1, cx, cx + 1):
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        found.append(Blob(x0 + min(xs), y0 + min(ys), x0 + max(xs), y0 + max(ys), len(xs)))
    return sorted(found, key=lambda b: -b.pixels)


def runs(line: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) x of each run of True along a scan line."""
    found: list[tuple[int, int]] = []
    start = None
    for x, on in enumerate([*line.tolist(), False]):
        if on and start is None:
            start = x
        elif not on and start is not None:
            found.append((start, x - 1))
            start = None
    return found


def top_row_blobs(mask: np.ndarray) -> list[Blob]:
    """The blobs of the first band of rows in ``mask`` that has any pixel (e.g. the top
    row of pads), left to right: each run along the band's middle line, measured over the
    band's height. Fails if ``mask`` is empty."""
    rows = np.nonzero(mask.any(axis=1))[0]
    assert len(rows), "no empty pads painted"
    top = bottom = int(rows[0])
    while bottom + 1 < mask.shape[0] and mask[bottom + 1].any():
        bottom += 1
    middle = (top + bottom) // 2
    found = []
    for left, right in runs(mask[middle]):
        column = mask[top : bottom + 1, left : right + 1].any(axis=1)
        found.append(Blob(left, top, right, bottom, int(column.sum())))
    return found
