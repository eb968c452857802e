"""Check boxes on the dark theme: an unticked one must be seen, a ticked one must differ."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QCheckBox, QStyleFactory

from desktop_app.ui import theme
from desktop_app.ui.indicator_style import DarkIndicators


def _box_pixels(box: QCheckBox) -> list[QColor]:
    """The pixels of the indicator's square: left of the label, across the full height."""
    box.resize(box.sizeHint())
    image = box.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    side = image.height()
    return [image.pixelColor(x, y) for x in range(side) for y in range(side)]


def _contrast(pixels: list[QColor]) -> int:
    """The lightest pixel's lightness above the panel colour's."""
    return max(p.lightness() for p in pixels) - QColor(theme.BG).lightness()


def _styled(box: QCheckBox, style) -> QCheckBox:
    box.setStyle(style)
    box.setPalette(theme.dark_palette())
    box.setAutoFillBackground(True)
    return box


def test_an_unticked_box_shows_on_the_dark_panels(qtbot) -> None:
    style = DarkIndicators("Fusion")
    unticked = _styled(QCheckBox("Let bandmates on this network join"), style)
    qtbot.addWidget(unticked)
    assert _contrast(_box_pixels(unticked)) > 80  # an outline a musician sees
    # Fusion alone outlined it a shade darker than the window: nothing to see.
    fusion = QStyleFactory.create("Fusion")
    plain = _styled(QCheckBox("Let bandmates on this network join"), fusion)
    qtbot.addWidget(plain)
    assert _contrast(_box_pixels(plain)) < 40


def test_a_ticked_box_is_filled_with_the_accent(qtbot) -> None:
    style = DarkIndicators("Fusion")
    ticked = _styled(QCheckBox("Kim"), style)
    ticked.setChecked(True)
    qtbot.addWidget(ticked)
    accent = QColor(theme.ACCENT)
    ticked.resize(ticked.sizeHint())
    image = ticked.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    side = image.height()
    orange = [
        (x, y)
        for x in range(side)
        for y in range(side)
        if abs(image.pixelColor(x, y).red() - accent.red())
        + abs(image.pixelColor(x, y).green() - accent.green())
        < 30
    ]
    assert len(orange) > side * side // 4
    xs, ys = [x for x, _ in orange], [y for _, y in orange]
    inside = [
        image.pixelColor(x, y)
        for x in range(min(xs), max(xs) + 1)
        for y in range(min(ys), max(ys) + 1)
    ]
    assert any(p.lightness() < 60 for p in inside)  # the dark tick on the orange
