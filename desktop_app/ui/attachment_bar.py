"""Audio files dropped on the conversation, waiting in the composer for Send.

A dropped file is not posted at once: like a chat app's attachment it shows above the text
box — its name and length, and a ✕ to take it back — and goes when the musician presses
Send (or Enter), into the thread the Send bar names. A file dragged in by accident (a
player dragged from another window) costs nothing.

The bar only shows what ``Attachments`` (``state/attachments.py``) read on a worker:
"reading…" for the length while a file is being read, then its length by the one clock
rule (``durations.clock_text``). A long name is shortened with "…"; the length always shows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.domain.durations import clock_text
from desktop_app.state.attachments import Attachment, Attachments
from desktop_app.ui import theme
from desktop_app.ui.elided_label import ElidedLabel

READING = "reading…"  # in place of the length of a file still being read


def length_text(attachment: Attachment) -> str:
    """What the bar shows for the length: "reading…" while reading, then "m:ss"."""
    if attachment.audio is None:
        return READING
    return clock_text(attachment.duration)


class AttachmentBar(QWidget):
    """``AttachmentBar(attachments)``: one row per attached file; ``changed`` after the
    list changed (a file added, read or removed)."""

    changed = Signal()

    def __init__(self, attachments: Attachments, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentBar")
        self._attachments = attachments
        self._rows: dict[Path, QWidget] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        attachments.changed.connect(self._rebuild)
        self.hide()

    @property
    def files(self) -> list[Path]:
        return self._attachments.files

    def add(self, files: list[Path]) -> None:
        """Attach ``files`` (one already attached stays once); each is read on a worker."""
        self._attachments.add(files)

    def remove(self, path: Path) -> None:
        self._attachments.remove(path)

    def clear(self) -> None:
        self._attachments.clear()

    def _rebuild(self) -> None:
        """Rows for the files attached now, each saying what is known of its length."""
        items = {item.path: item for item in self._attachments.items}
        for path in [p for p in self._rows if p not in items]:
            row = self._rows.pop(path)
            row.hide()
            row.deleteLater()
        for path, item in items.items():
            if path not in self._rows:
                self._rows[path] = self._row(item)
                self._layout.addWidget(self._rows[path])
            length = self._rows[path].findChild(QLabel, "attachmentLength")
            assert length is not None
            length.setText(length_text(item))
            length.setToolTip("Being read…" if item.audio is None else "Length")
        self.setVisible(bool(self._rows))
        self.changed.emit()

    def _row(self, item: Attachment) -> QWidget:
        path = item.path
        row = QFrame()
        row.setObjectName("attachment")
        row.setStyleSheet(
            f"QFrame#attachment {{ background: {theme.BG_HOVER};"
            f" border-radius: {theme.RADIUS}px; }}"
            f"QFrame#attachment QLabel {{ color: {theme.TEXT}; background: transparent; }}"
        )
        name = ElidedLabel(f"♪ {path.name}")
        name.setObjectName("attachmentName")
        name.setToolTip(str(path))
        length = QLabel()
        length.setObjectName("attachmentLength")
        length.setTextFormat(Qt.TextFormat.PlainText)
        remove = QPushButton("✕")
        remove.setObjectName("attachmentRemove")
        remove.setToolTip(f"Do not send {path.name} (Esc)")
        remove.setFlat(True)
        remove.setFixedWidth(remove.fontMetrics().horizontalAdvance("✕") + 16)  # the name's room
        remove.setCursor(Qt.CursorShape.PointingHandCursor)
        remove.clicked.connect(lambda _=False, p=path: self.remove(p))
        line = QHBoxLayout(row)
        line.setContentsMargins(8, 3, 2, 3)
        line.setSpacing(6)
        line.addWidget(name, 1)
        line.addWidget(length)
        line.addWidget(remove)
        return row
