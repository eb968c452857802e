"""The status bar's "Connected · Local server" / "Offline" / "Reconnecting…" badge.

Always visible (a permanent status bar widget), so a musician knows before pressing Send
whether the message will go out now or wait in the outbox. It mirrors the connection that
``ThreadsState`` tracks (the one place that talks to the server), so the badge can never
disagree with what the thread list shows. Clicking it while offline retries at once
instead of waiting for the back-off.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QRectF, QSize, Qt, SignalInstance
from PySide6.QtGui import QColor, QMouseEvent, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop_app.ui import theme

CONNECTING = "connecting"
CONNECTED = "connected"
OFFLINE = "offline"
RECONNECTING = "reconnecting"

_LOOK = {
    CONNECTED: (theme.SUCCESS, "Connected"),
    CONNECTING: (theme.WARNING, "Connecting…"),
    RECONNECTING: (theme.WARNING, "Reconnecting…"),
    OFFLINE: (theme.ERROR, "Offline"),
}


class ConnectionSource(Protocol):
    """What ``ThreadsState`` offers: ``connection`` is connected/offline/reconnecting."""

    connectionChanged: SignalInstance

    @property
    def connection(self) -> str: ...

    @property
    def connection_text(self) -> str: ...

    def reconnect_now(self) -> None: ...


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
    """``status()`` is connecting/connected/offline/reconnecting; ``text()`` what the user
    reads. "connecting" lasts until the source reports its first answer."""

    def __init__(
        self, source: ConnectionSource, server_label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectionIndicator")
        self._source = source
        self._server_label = server_label
        self._status = CONNECTING
        self._detail = ""
        self._dot = _Dot(self)
        self._label = QLabel(self)
        self._label.setStyleSheet(f"color: {theme.TEXT_DIM};")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self._dot)
        layout.addWidget(self._label)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        source.connectionChanged.connect(self._on_changed)
        self._render()

    def set_server_label(self, label: str) -> None:
        """After a server change: back to "connecting" until the new server answers."""
        self._server_label = label
        self._status = CONNECTING
        self._render()

    def text(self) -> str:
        return self._label.text()

    def status(self) -> str:
        return self._status

    def _on_changed(self, text: str) -> None:
        self._status = self._source.connection
        self._detail = text
        self._render()

    def _render(self) -> None:
        colour, word = _LOOK.get(self._status, (theme.TEXT_FAINT, self._status))
        self._dot.color = QColor(colour)
        self._dot.update()
        server = self._server_label
        if self._status == CONNECTED:
            self._label.setText(f"Connected · {server}")
        elif self._status == OFFLINE:
            self._label.setText(self._detail or "Offline")
        else:
            self._label.setText(word)
        tip = {
            CONNECTED: f"Connected to {server}.",
            CONNECTING: f"Connecting to {server}…",
            RECONNECTING: f"Trying {server} again…",
            OFFLINE: f"{server} cannot be reached. Messages you send wait in the outbox and "
            "go out when it is back.\nClick to retry now.",
        }.get(self._status, self._status)
        self.setToolTip(tip)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._status == OFFLINE:
            self._source.reconnect_now()
        super().mousePressEvent(event)
