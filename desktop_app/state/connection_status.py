"""Whether the server answers, in words, and when to ask it again.

A connection failure never erases what is shown: the status goes offline, says so in
words that match what is on screen, and a timer retries with growing delays until the
server answers again. Failures are sorted here too — a transient one means "offline", a
refused token "not signed in", anything else is the action's own error sentence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.services.api import ApiError, AuthError, CertificateError, TransientApiError

log = logging.getLogger(__name__)

CONNECTED = "connected"
OFFLINE = "offline"
RECONNECTING = "reconnecting"

RETRY_DELAYS = (2.0, 5.0, 10.0, 20.0, 30.0)


class ConnectionStatus(QObject):
    """``changed(text)`` on every new state or wording; ``retryDue`` when the retry timer
    says to try the server again; ``error(sentence)`` for a failed action."""

    changed = Signal(str)
    retryDue = Signal()
    error = Signal(str)

    def __init__(
        self,
        has_saved: Callable[[], bool],
        retry_delays: Sequence[float] = RETRY_DELAYS,
        parent: QObject | None = None,
    ) -> None:
        """``has_saved()``: whether saved threads are on screen (for the offline words)."""
        super().__init__(parent)
        self._has_saved = has_saved
        self._state = CONNECTED
        self._text = "Connecting…"
        self._delays = tuple(retry_delays) or RETRY_DELAYS
        self._index = 0
        self._delay = self._delays[0]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.retryDue)
        self._stopped = False
        self._busy_until = 0.0  # the server asked to wait until then (its Retry-After)

    @property
    def state(self) -> str:
        """``connected``, ``offline`` or ``reconnecting``."""
        return self._state

    @property
    def text(self) -> str:
        return self._text

    @property
    def is_connected(self) -> bool:
        return self._state == CONNECTED

    def stop(self) -> None:
        """For good (the session closed): no more retries, and failures of requests that
        were still on their way say nothing."""
        self._stopped = True
        self._timer.stop()

    def reconnecting(self) -> None:
        self._timer.stop()
        self._busy_until = 0.0
        self._set(RECONNECTING, "Reconnecting…")

    def connected(self) -> bool:
        """The server answered. True if it had not been connected before."""
        was_connected = self._state == CONNECTED
        self._index = 0
        self._busy_until = 0.0
        self._timer.stop()
        self._set(CONNECTED, "Connected")
        return not was_connected

    def saved_changed(self) -> None:
        """What is saved on screen changed: the offline words may need to say so."""
        if self._state == OFFLINE and self._timer.isActive() and not self._busy_until:
            self._set(OFFLINE, self._offline_text())

    def failed(self, exc: BaseException, what: str) -> None:
        """An action (``what``: "load the threads") failed with ``exc``."""
        if self._stopped:
            log.debug("after closing, could not %s: %s", what, exc)
            return
        if isinstance(exc, TransientApiError):
            if exc.retry_after is not None:
                self._wait_as_asked(exc.retry_after)
            elif self._state != OFFLINE or not self._timer.isActive():
                self._go_offline(str(exc))
            return
        if isinstance(exc, CertificateError):  # retrying cannot help; say why, once
            self._set(OFFLINE, "Not connected — the server's certificate is not the invite's")
            self.error.emit(f"Could not {what}: {exc.detail}")
            return
        if isinstance(exc, AuthError):
            self._set(OFFLINE, "Not signed in — the server refused the token")
            self.error.emit(
                f"Could not {what}: the server refused this app's token. "
                "Check the server address and token in Settings."
            )
            return
        if isinstance(exc, ApiError):
            detail = getattr(exc, "detail", "") or str(exc)
            self.error.emit(f"Could not {what}: {detail}")
            return
        log.error("unexpected failure while trying to %s", what, exc_info=exc)
        self.error.emit(f"Could not {what}: {exc}")

    def _wait_as_asked(self, seconds: float) -> None:
        """The server answered "not now" with a ``Retry-After``: no request (polls
        pause while not connected) until then, and the status line says until when. A
        retry already due later than that stays as it is."""
        seconds = max(1.0, seconds)
        if self._timer.isActive() and self._timer.remainingTime() >= seconds * 1000:
            return
        self._delay = seconds
        self._busy_until = time.time() + seconds
        when = datetime.fromtimestamp(self._busy_until).astimezone()
        self._set(OFFLINE, f"Server busy — it asked to wait; trying again at {when:%H:%M:%S}")
        log.info("the server asked to wait %.0f s", seconds)
        self._timer.start(round(seconds * 1000))

    def _go_offline(self, reason: str) -> None:
        self._busy_until = 0.0
        delay = self._delays[min(self._index, len(self._delays) - 1)]
        self._index += 1
        self._delay = delay
        self._set(OFFLINE, self._offline_text())
        log.info("server unreachable (%s); retrying in %s s", reason, delay)
        self._timer.start(round(delay * 1000))

    def _offline_text(self) -> str:
        # Say what is really on screen: a server never reached from here has nothing saved.
        saved = (
            "showing saved threads and messages"
            if self._has_saved()
            else "nothing saved from this server yet"
        )
        return f"Offline — {saved}; retrying in {self._delay:g} s"

    def _set(self, state: str, text: str) -> None:
        if (state, text) != (self._state, self._text):
            self._state, self._text = state, text
            self.changed.emit(text)
