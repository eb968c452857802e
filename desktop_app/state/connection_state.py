"""Whether the server is reachable, for the status bar's connection indicator.

Musicians keep working offline (the outbox and the cache exist for that), so being
offline is a state to show calmly, not an error to pop up. This object asks the server's
``/healthz`` on a worker thread: every ``interval`` seconds while connected, and with a
growing back-off (2 s, 4 s, ... up to ``max_backoff``) while not. ``check_now`` lets the
app retry at once, e.g. after the user changed the server in the settings.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.services.tasks import TaskRunner

log = logging.getLogger(__name__)

CONNECTING = "connecting"
CONNECTED = "connected"
OFFLINE = "offline"
RECONNECTING = "reconnecting"


class HealthApi(Protocol):
    def health(self) -> dict[str, Any]: ...


class ConnectionState(QObject):
    """``status`` is one of CONNECTING, CONNECTED, OFFLINE, RECONNECTING; ``server_label``
    says which server ("Local server" or the host name)."""

    statusChanged = Signal(str, str)  # status, detail (error text when offline)

    def __init__(
        self,
        api: HealthApi,
        tasks: TaskRunner,
        server_label: str,
        *,
        interval: float = 15.0,
        first_backoff: float = 2.0,
        max_backoff: float = 30.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._tasks = tasks
        self.server_label = server_label
        self._interval = interval
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._backoff = first_backoff
        self.status = CONNECTING
        self.detail = ""
        self._generation = 0  # answers for a replaced api are ignored
        self._checking = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check_now)

    def start(self) -> None:
        self.check_now()

    def stop(self) -> None:
        self._timer.stop()
        self._generation += 1
        self._checking = False

    def set_api(self, api: HealthApi, server_label: str) -> None:
        """Switch to another server (settings changed); shows "connecting" until known."""
        self._api = api
        self.server_label = server_label
        self._backoff = self._first_backoff
        self._generation += 1
        self._checking = False
        self._set(CONNECTING, "")
        self.check_now()

    def check_now(self) -> None:
        if self._checking:
            return
        self._timer.stop()
        self._checking = True
        if self.status == OFFLINE:
            self._set(RECONNECTING, self.detail)
        generation = self._generation
        self._tasks.submit(
            self._api.health,
            on_done=lambda _result: self._answered(generation, None),
            on_error=lambda exc: self._answered(generation, exc),
        )

    def report_failure(self, error: BaseException) -> None:
        """Another part of the app saw the network fail; re-check soon instead of waiting
        for the next scheduled poll."""
        if self.status == CONNECTED and not self._checking:
            self._timer.start(0)

    # ---- internals -------------------------------------------------------------------
    def _answered(self, generation: int, error: BaseException | None) -> None:
        if generation != self._generation:
            return
        self._checking = False
        if error is None:
            self._backoff = self._first_backoff
            self._set(CONNECTED, "")
            self._timer.start(int(self._interval * 1000))
            return
        detail = str(error) or type(error).__name__
        if self.status != OFFLINE:
            log.info("server %s unreachable: %s", self.server_label, detail)
        self._set(OFFLINE, detail)
        self._timer.start(int(self._backoff * 1000))
        self._backoff = min(self._backoff * 2, self._max_backoff)

    def _set(self, status: str, detail: str) -> None:
        if (status, detail) != (self.status, self.detail):
            self.status = status
            self.detail = detail
            self.statusChanged.emit(status, detail)

    @property
    def next_retry_ms(self) -> int:
        """Milliseconds until the next check (for "retrying in 8 s" texts); -1 if none."""
        return self._timer.remainingTime()
