"""The server session in use, and the switch to another when the settings change.

Saving a new server address, token or user name replaces the session: the old one is
closed, a new one opened on the new connection (started on a worker, since the embedded
server takes about half a second). A new user name on the same server keeps the
connection and replaces only the rest.

It also keeps the embedded server alive: when its child process exits by itself (killed,
crashed), the user is told, and a new one is started on the same data folder — on the
same address when it is shared with the band, so bandmates reconnect — and the session
moves to it. A server that keeps dying is restarted after growing delays (``RESTART_DELAYS``),
each one said in the status bar with the reason, never in a tight loop.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance, Slot

from desktop_app.paths import AppPaths
from desktop_app.services.connection import (
    LOCAL_SERVER_LABEL,
    ServerConnection,
    connect,
    identify,
    server_label,
)
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.server_session import Connection, ServerSession

log = logging.getLogger(__name__)

RECONNECT_KEYS = frozenset(
    {
        "server_url",
        "api_token",
        "server_pins",
        "user_name",
        "share_on_network",
        "share_address",
    }
)

# Seconds before each restart of an embedded server that died, in a row; the last repeats.
RESTART_DELAYS = (0.5, 2.0, 5.0, 15.0, 30.0, 60.0)
# A server that ran this long before dying starts the delays over.
RESTART_STABLE_S = 60.0

# Builds a session (not yet opened) on a connection, for the current user.
SessionFactory = Callable[[Connection], ServerSession]


class ConnectionSettings(Protocol):
    """The part of ``Settings`` that decides the server and the user."""

    changed: SignalInstance

    @property
    def server_url(self) -> str: ...
    @property
    def api_token(self) -> str: ...
    @property
    def server_fingerprint(self) -> str: ...
    @property
    def share_on_network(self) -> bool: ...
    @property
    def share_address(self) -> str: ...
    @property
    def user_name(self) -> str: ...


def open_connection(settings: ConnectionSettings, paths: AppPaths) -> ServerConnection:
    """The configured server, or the embedded one started now (blocks ~0.5 s), and who
    its token is."""
    url, token = settings.server_url, settings.api_token
    share = settings.share_address if settings.share_on_network else ""
    connection = connect(url, token, paths, settings.server_fingerprint, share)
    return identify(connection, paths.identity_for(connection.url))


def own_name(connection: Connection, settings: ConnectionSettings) -> str:
    """ "You": the token's user as the server names it; the settings' name only where the
    server cannot say (the embedded server's shared token, servers without /me)."""
    return connection.user_name or settings.user_name


def connection_key(settings: ConnectionSettings) -> tuple[str, str, str]:
    """``ServerConnection.key`` of the connection the settings ask for."""
    url = settings.server_url.strip().rstrip("/")
    if url:
        return (url, settings.api_token, settings.server_fingerprint)
    return ("", settings.share_address if settings.share_on_network else "", "")


class SessionHost(QObject):
    """Holds ``session``; ``sessionChanged(session)`` fires after a new one is opened and
    before it starts, so whoever binds to its states sees its first answers."""

    sessionChanged = Signal(object)
    connecting = Signal(str)  # the label of the server being connected to
    failed = Signal(str)  # a human sentence: a server could not be reached, or stopped
    _serverExited = Signal(object, int)  # (connection, exit code), from the reaper thread

    def __init__(
        self,
        settings: ConnectionSettings,
        paths: AppPaths,
        tasks: TaskRunner,
        session: ServerSession,
        make_session: SessionFactory,
        parent: QObject | None = None,
        *,
        restart_delays: Sequence[float] = RESTART_DELAYS,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._paths = paths
        self._tasks = tasks
        self._make = make_session
        self.session = session
        self._pending = False
        self._closed = False
        self._restart_delays = tuple(restart_delays) or RESTART_DELAYS
        self._restarts = 0  # in a row, without a server that stayed up
        self._started_at = time.monotonic()
        self._dead: Connection | None = None  # the embedded server being replaced
        self._restart_timer = QTimer(self)
        self._restart_timer.setSingleShot(True)
        self._restart_timer.timeout.connect(self._restart)
        settings.changed.connect(self._on_setting_changed)
        self._serverExited.connect(self._on_server_exited)
        self._watch(session.connection)

    def _on_setting_changed(self, name: str) -> None:
        if name in RECONNECT_KEYS and not self._pending:
            # The dialog writes several keys in a row; reconnect once, after the last.
            self._pending = True
            QTimer.singleShot(0, self._apply)

    def _apply(self) -> None:
        self._pending = False
        if self._closed:
            return
        current = self.session
        same_server = connection_key(self._settings) == current.connection.key
        if same_server and current.user_id == own_name(current.connection, self._settings):
            return
        if same_server:
            self.switch_to(current.connection)
            return
        self.connecting.emit(server_label(self._settings.server_url))
        self._tasks.submit(
            open_connection,
            self._settings,
            self._paths,
            on_done=self.switch_to,
            on_error=lambda exc: self.failed.emit(f"Could not start the server: {exc}"),
        )

    def switch_to(self, connection: Connection) -> None:
        """Close the session in use and open one on ``connection``."""
        if self._closed:
            connection.close()
            return
        old = self.session
        old.close(close_connection=old.connection is not connection)  # deletes itself
        self.session = self._make(connection)
        self.session.open()
        self.sessionChanged.emit(self.session)
        self.session.start()
        self._watch(connection)
        log.info("now using %s as %s", connection.label, self.session.user_id)

    def close(self, wait_ms: int) -> None:
        """At quit: the session closes and waits up to ``wait_ms`` for its workers."""
        self._closed = True
        self._restart_timer.stop()
        self.session.close(wait_ms=wait_ms)

    # ---- the embedded server's life ----------------------------------------------------
    def _watch(self, connection: Connection) -> None:
        if isinstance(connection, ServerConnection) and connection.embedded is not None:
            self._started_at = time.monotonic()
            emit = self._serverExited.emit  # a queued signal: the slot runs on this thread

            def exited(code: int) -> None:
                with contextlib.suppress(RuntimeError):  # this host is gone (the app quit)
                    emit(connection, code)

            connection.embedded.watch(exited)

    @Slot(object, int)
    def _on_server_exited(self, connection: Connection, code: int) -> None:
        if self._closed or connection is not self.session.connection:
            return  # quitting, or no longer the server in use
        if time.monotonic() - self._started_at >= RESTART_STABLE_S:
            self._restarts = 0
        self._dead = connection
        self._schedule_restart(f"The local server stopped (exit code {code})")

    def _schedule_restart(self, why: str) -> None:
        delays = self._restart_delays
        delay = delays[min(self._restarts, len(delays) - 1)]
        self._restarts += 1
        when = "now" if delay < 1 else f"in {delay:g} s"
        sentence = f"{why}; starting it again {when}"
        if self._restarts > 1:
            sentence += f" (attempt {self._restarts}; see {self._paths.log_dir / 'server.log'})"
        log.warning("%s", sentence)
        self.failed.emit(sentence)
        self._restart_timer.start(round(delay * 1000))

    def _restart(self) -> None:
        dead = self._dead
        if self._closed or dead is None or dead is not self.session.connection:
            return  # the settings moved the session elsewhere meanwhile
        self.connecting.emit(LOCAL_SERVER_LABEL)
        self._tasks.submit(
            open_connection,
            self._settings,
            self._paths,
            on_done=self._restarted,
            on_error=lambda exc: self._schedule_restart(f"The local server did not start: {exc}"),
        )

    def _restarted(self, connection: Connection) -> None:
        if self._dead is not self.session.connection or self._closed:
            connection.close()  # the session moved on while this one started
            return
        self._dead = None
        log.info("the local server runs again at %s", connection.api.base_url)
        self.switch_to(connection)
