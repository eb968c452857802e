"""Audio files dropped on the conversation, waiting in the composer for Send.

A dropped file is not posted at once: like a chat app's attachment it shows above the text
box — its name and length, and a ✕ to take it back — and goes when the musician presses
Send (or Enter), into the thread the Send bar names. A file dragged in by accident (a
player dragged from another window) costs nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.services.dropped_audio import audio_length
from desktop_app.ui import theme


def _length_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0.0, seconds)
    return f" · {int(seconds // 60)}:{seconds % 60:04.1f}"


class AttachmentBar(QWidget):
    """``files`` in the order dropped; ``changed`` after any is added or removed."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentBar")
        self._rows: dict[Path, QWidget] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.hide()

    @property
    def files(self) -> list[Path]:
        return list(self._rows)

    def add(self, files: list[Path]) -> None:
        """Attach ``files`` (one already attached stays once)."""
        for path in files:
            if path in self._rows:
                continue
            row = QWidget()
            row.setObjectName("attachment")
            label = QLabel(f"♪ {path.name}{_length_text(audio_length(path))}")
            label.setObjectName("attachmentName")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setToolTip(str(path))
            label.setStyleSheet(
                f"color: {theme.TEXT}; background: {theme.BG_HOVER};"
                f" border-radius: {theme.RADIUS}px; padding: 3px 8px;"
            )
            remove = QPushButton("✕")
            remove.setObjectName("attachmentRemove")
            remove.setToolTip(f"Do not send {path.name} (Esc)")
            remove.setFlat(True)
            remove.setCursor(Qt.CursorShape.PointingHandCursor)
            remove.clicked.connect(lambda _=False, p=path: self.remove(p))
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(label, 1)
            line.addWidget(remove)
            self._layout.addWidget(row)
            self._rows[path] = row
        self._update()

    def remove(self, path: Path) -> None:
        row = self._rows.pop(path, None)
        if row is not None:
            row.hide()
            row.deleteLater()
            self._update()

    def clear(self) -> None:
        for path in list(self._rows):
            self.remove(path)

    def _update(self) -> None:
        self.setVisible(bool(self._rows))
        self.changed.emit()
