"""The server session in use, and the switch to another when the settings change.

Saving a new server address, token or user name replaces the session: the old one is
closed, a new one opened on the new connection (started on a worker, since the embedded
server takes about half a second). A new user name on the same server keeps the
connection and replaces only the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from desktop_app.paths import AppPaths
from desktop_app.services.connection import ServerConnection, connect, identify, server_label
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
    return identify(connect(url, token, paths, settings.server_fingerprint, share))


def own_name(connection: Connection, settings: ConnectionSettings) -> str:
    """ "You": the token's user as the server names it; the settings' name only where the
    server cannot say (the embedded server's shared token, servers without /me)."""
    return connection.user_name or settings.user_name


def connection_key(settings: ConnectionSettings) -> tuple[str, str]:
    url = settings.server_url.strip().rstrip("/")
    if url:
        return (url, settings.api_token)
    return ("", settings.share_address if settings.share_on_network else "")


class SessionHost(QObject):
    """Holds ``session``; ``sessionChanged(session)`` fires after a new one is opened and
    before it starts, so whoever binds to its states sees its first answers."""

    sessionChanged = Signal(object)
    connecting = Signal(str)  # the label of the server being connected to
    failed = Signal(str)  # a human sentence: the new server could not be reached

    def __init__(
        self,
        settings: ConnectionSettings,
        paths: AppPaths,
        tasks: TaskRunner,
        session: ServerSession,
        make_session: SessionFactory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._paths = paths
        self._tasks = tasks
        self._make = make_session
        self.session = session
        self._pending = False
        self._closed = False
        settings.changed.connect(self._on_setting_changed)

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
        log.info("now using %s as %s", connection.label, self.session.user_id)

    def close(self, wait_ms: int) -> None:
        """At quit: the session closes and waits up to ``wait_ms`` for its workers."""
        self._closed = True
        self.session.close(wait_ms=wait_ms)
