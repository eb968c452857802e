"""What a clean layout means, as checks over a real window: no two visible controls on top
of each other, no text cut mid-letter, every visible message row with a seek bar one can
aim at. ``problems(window)`` lists what is wrong, in words (an empty list: all clean).

Rectangles are computed from each widget's geometry clipped by its ancestors, not from
``visibleRegion`` — a control hidden under a sibling is exactly what must be reported.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY
from desktop_app.ui.elided_label import ElidedLabel
from desktop_app.ui.level_meter import LevelMeter
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.message_row_geometry import row_layout
from desktop_app.ui.value_bar import ValueBar

CONTROLS = (QLabel, QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, ValueBar, LevelMeter)
MIN_SEEK = 120


def shown_rect(widget: QWidget, window: QWidget) -> QRect:
    """The part of ``widget`` inside all its ancestors, in window coordinates."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect.intersected(window.rect())


def visible_controls(window: QWidget) -> list[tuple[QWidget, QRect]]:
    found = []
    for w in window.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or not w.isVisible() or w.window() is not window:
            continue
        if isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue  # a spin box's own line edit
        rect = shown_rect(w, window)
        if rect.width() > 1 and rect.height() > 1:
            found.append((w, rect))
    return found


def name(w: QWidget) -> str:
    text = ""
    if isinstance(w, (QLabel, QAbstractButton)):
        text = w.text()
    elif isinstance(w, QComboBox):
        text = w.currentText()
    elif isinstance(w, QLineEdit):
        text = w.text()
    return f"{type(w).__name__}({w.objectName() or text[:30]!r})"


def _needed_width(w: QWidget) -> int | None:
    """The width the control's text needs, None when it wraps or elides by design."""
    fm = w.fontMetrics()
    if isinstance(w, ElidedLabel):
        return None
    if isinstance(w, QLabel):
        if w.wordWrap() or not w.text() or (w.pixmap() is not None and not w.pixmap().isNull()):
            return None
        if "<" in w.text() and w.textFormat() != Qt.TextFormat.PlainText:
            doc = QTextDocument()
            doc.setDefaultFont(w.font())
            doc.setHtml(w.text())
            doc.setDocumentMargin(0)
            return int(doc.idealWidth()) + 2 * w.margin()
        return fm.horizontalAdvance(w.text()) + 2 * w.margin()
    if isinstance(w, QToolButton) and w.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly:
        return None
    if isinstance(w, QAbstractButton):
        return fm.horizontalAdvance(w.text().replace("&", "")) + 4 if w.text() else None
    if isinstance(w, QComboBox):
        return fm.horizontalAdvance(w.currentText()) + 12
    if isinstance(w, QAbstractSpinBox):
        return fm.horizontalAdvance(w.text()) + 4
    return None


def clipped_text(window: QWidget) -> list[str]:
    out = []
    for w, rect in visible_controls(window):
        need = _needed_width(w)
        if need is not None and need > min(w.contentsRect().width(), rect.width()):
            out.append(f"{name(w)} needs {need} px, shows {min(w.width(), rect.width())} px")
        if not isinstance(w, QLabel) or not w.text():
            continue
        if not w.wordWrap() and w.fontMetrics().height() > rect.height() + 1:
            out.append(f"{name(w)} cut vertically ({rect.height()} px shown)")
        if w.wordWrap() and w.heightForWidth(w.width()) > w.height() + 1:
            out.append(f"{name(w)} wraps into more lines than it has room for")
    return out


def overlaps(window: QWidget) -> list[str]:
    controls = visible_controls(window)
    out = []
    for i, (a, ra) in enumerate(controls):
        for b, rb in controls[i + 1 :]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            both = ra.intersected(rb)
            if both.width() > 1 and both.height() > 1:
                out.append(f"{name(a)} {ra.getRect()} overlaps {name(b)} {rb.getRect()}")
    return out


def narrow_seek_bars(window: QWidget) -> list[str]:
    out = []
    for view in window.findChildren(MessageListView):
        if not view.isVisible():
            continue
        model = view.model()
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            rect = view.visualRect(index)
            rect.setWidth(min(rect.width(), view.viewport().width()))  # as the list paints it
            if not rect.intersects(view.viewport().rect()):
                continue
            if index.data(Roles.RENDER_STATE) != RENDER_READY:
                continue
            wave = row_layout(rect).wave
            if wave.width() < MIN_SEEK:
                out.append(f"row {row}: seek bar {wave.width():.0f} px wide")
    return out


def problems(window: QWidget) -> list[str]:
    return overlaps(window) + clipped_text(window) + narrow_seek_bars(window)
