"""The status bar's "Connected · Local server" / "Offline" / "Reconnecting…" badge.

Always visible (a permanent status bar widget), so a musician knows before pressing Send
whether the message will go out now or wait in the outbox. Clicking it while offline
retries at once instead of waiting for the back-off.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop_app.state.connection_state import (
    CONNECTED,
    CONNECTING,
    OFFLINE,
    RECONNECTING,
    ConnectionState,
)
from desktop_app.ui import theme

_LOOK = {
    CONNECTED: (theme.SUCCESS, "Connected"),
    CONNECTING: (theme.WARNING, "Connecting…"),
    RECONNECTING: (theme.WARNING, "Reconnecting…"),
    OFFLINE: (theme.ERROR, "Offline"),
}


class _Dot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = QColor(theme.TEXT_FAINT)
        self.setFixedSize(QSize(10, 10))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        glow = QColor(self.color)
        glow.setAlpha(70)
        painter.setBrush(glow)
        painter.drawEllipse(QRectF(0, 0, 10, 10))
        painter.setBrush(self.color)
        painter.drawEllipse(QRectF(2, 2, 6, 6))


class ConnectionIndicator(QWidget):
    """Mirrors a :class:`ConnectionState`; ``text()`` is what the user reads."""

    def __init__(self, connection: ConnectionState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionIndicator")
        self._connection = connection
        self._dot = _Dot(self)
        self._label = QLabel(self)
        self._label.setStyleSheet(f"color: {theme.TEXT_DIM};")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self._dot)
        layout.addWidget(self._label)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        connection.statusChanged.connect(self._update)
        self._update(connection.status, connection.detail)

    def set_connection(self, connection: ConnectionState) -> None:
        self._connection.statusChanged.disconnect(self._update)
        self._connection = connection
        connection.statusChanged.connect(self._update)
        self._update(connection.status, connection.detail)

    def text(self) -> str:
        return self._label.text()

    def status(self) -> str:
        return self._connection.status

    def _update(self, status: str, detail: str) -> None:
        colour, word = _LOOK.get(status, (theme.TEXT_FAINT, status))
        self._dot.color = QColor(colour)
        self._dot.update()
        server = self._connection.server_label
        self._label.setText(f"{word} · {server}" if status == CONNECTED else word)
        tip = {
            CONNECTED: f"Connected to {server}.",
            CONNECTING: f"Connecting to {server}…",
            RECONNECTING: f"Trying {server} again…",
            OFFLINE: (
                f"{server} cannot be reached"
                + (f": {detail}" if detail else "")
                + ".\nMessages you send wait in the outbox and go out when it is back."
                "\nClick to retry now."
            ),
        }.get(status, status)
        self.setToolTip(tip)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._connection.status == OFFLINE:
            self._connection.check_now()
        super().mousePressEvent(event)
