"""The status bar's "Connected · Local server" / "Offline" / "Reconnecting…" badge.

Always visible (a permanent status bar widget), so a musician knows before pressing Send
whether the message will go out now or wait in the outbox. It mirrors the connection that
``ThreadsState`` tracks (the one place that talks to the server), so the badge can never
disagree with what the thread list shows. Clicking it while offline retries at once
instead of waiting for the back-off.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, SignalInstance
from PySide6.QtGui import QColor, QMouseEvent, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

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


# What a status bar keeps around its message besides the permanent widgets: its
# margins, the size grip and the gap before the first permanent widget.
MESSAGE_ROOM = 40


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


def short_form(text: str) -> str:
    """The indicator's words when the status bar's message needs the room: the state and
    when it is tried again — "Offline · retrying in 10 s" for "Offline — nothing saved
    from this server yet; retrying in 10 s" — the rest goes to the tooltip."""
    head, dash, rest = text.partition(" — ")
    if not dash:
        return text.partition(" · ")[0]  # "Connected · Local server": "Connected"
    _said, semicolon, when = rest.rpartition("; ")
    return f"{head} · {when}" if semicolon else head


class ConnectionIndicator(QWidget):
    """``status()`` is connecting/connected/offline/reconnecting; ``text()`` what the user
    reads. "connecting" lasts until the source reports its first answer.

    In a status bar it gives way to the bar's message: the offline sentence took 400 px
    and cut "Grid set to 3 steps a beat: …" at 1024 px. While a message would not fit
    beside its whole words it shows their ``short_form``, or only the state's word (the
    whole in its tooltip)."""

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
        self._full = ""  # the whole words; the label may show their short form
        self._bar: QStatusBar | None = None
        self._label.setStyleSheet(f"color: {theme.TEXT_DIM};")
        self._layout = layout = QHBoxLayout(self)
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

    def full_text(self) -> str:
        """The whole words, also while the label shows their short form."""
        return self._full

    # ---- giving way to the status bar's message ------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ParentChange:
            self._follow_bar()
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._bar and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def _follow_bar(self) -> None:
        bar = self.parentWidget()
        while bar is not None and not isinstance(bar, QStatusBar):
            bar = bar.parentWidget()
        if bar is self._bar:
            return
        if self._bar is not None:
            self._bar.removeEventFilter(self)
            self._bar.messageChanged.disconnect(self._fit)
        self._bar = bar
        if bar is not None:
            bar.installEventFilter(self)
            bar.messageChanged.connect(self._fit)
        self._fit()

    def _fit(self, *_message: str) -> None:
        """The whole words, or shorter ones when the bar's message needs the room: when
        it tries again, then the state's word alone ("Offline"; the dot's colour says it
        too)."""
        forms = [self._full, short_form(self._full), self._full.partition(" — ")[0]]
        shown = forms[0]
        bar = self._bar
        if bar is not None and bar.isVisible() and bar.currentMessage():
            message = bar.fontMetrics().horizontalAdvance(bar.currentMessage())
            margins = self._layout.contentsMargins()
            spacing = self._layout.spacing()
            chrome = margins.left() + margins.right() + spacing + self._dot.width()
            fm = self._label.fontMetrics()
            room = bar.width() - message - MESSAGE_ROOM - chrome
            shown = next((f for f in forms if fm.horizontalAdvance(f) <= room), forms[-1])
        if shown != self._label.text():
            self._label.setText(shown)

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
            self._full = f"Connected · {server}"
        elif self._status == OFFLINE:
            self._full = self._detail or "Offline"
        else:
            self._full = word
        self._fit()
        tip = {
            CONNECTED: f"Connected to {server}.",
            CONNECTING: f"Connecting to {server}…",
            RECONNECTING: f"Trying {server} again…",
            OFFLINE: f"{server} cannot be reached. Messages you send wait in the outbox and "
            "go out when it is back.\nClick to retry now.",
        }.get(self._status, self._status)
        # the whole sentence, which the label may show only the short form of
        self.setToolTip(f"{self._full}\n\n{tip}" if self._status == OFFLINE else tip)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._status == OFFLINE:
            self._source.reconnect_now()
        super().mousePressEvent(event)
