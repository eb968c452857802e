"""Which server the client talks to: a configured URL, or the embedded local server.

Shared by the GUI (``app.py``) and the command line, and free of widgets and multimedia so
a subcommand starts fast and quietly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient, ApiError, TransientApiError
from desktop_app.services.token_identity import name_from_me, remember, remembered

if TYPE_CHECKING:  # started only when no URL is configured (``connect``)
    from desktop_app.services.embedded_server import EmbeddedServer

log = logging.getLogger(__name__)

LOCAL_SERVER_LABEL = "Local server"


@dataclass
class ServerConnection:
    """The API client in use and, for the embedded server, the server to stop at exit."""

    api: ApiClient
    url: str
    label: str
    embedded: EmbeddedServer | None = None
    # Who the token is, from the server's /me; empty for a shared (service) token or a
    # server without /me, where the name in the settings stands in.
    user_name: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """Two connections with the same key talk to the same server as the same client,
        trusting the same certificate (a new pin from a new invite is a new connection)."""
        if self.embedded is None:
            return (self.url, self.api.token, self.api.fingerprint or "")
        return ("", self.embedded.listen, "")  # shared or not: restarting changes the server

    def close(self) -> None:
        if self.embedded is not None:
            if self.embedded.running:  # a dead one (being replaced) has nothing to stop
                log.info("stopping the embedded server")
            self.embedded.stop()
            self.embedded = None


def server_label(url: str) -> str:
    return urlsplit(url).netloc or url if url else LOCAL_SERVER_LABEL


def identify(connection: ServerConnection, remembered_in: Path | None = None) -> ServerConnection:
    """Fills ``user_name`` from /me when the server can say (a seed server without /me or
    a shared token leave it empty). The answer is kept in ``remembered_in``; without a
    network the name kept there for this token stands in, so a start offline still
    queues messages under the token's user rather than the name in Settings."""
    token = connection.api.token
    try:
        me = connection.api.me()
    except TransientApiError as exc:
        connection.user_name = remembered(remembered_in, token)
        log.info("the server is not reachable; who this token is: %r (remembered); %s",
                 connection.user_name, exc)  # fmt: skip
        return connection
    except ApiError as exc:
        log.info("the server did not say who this token is: %s", exc)
        return connection
    connection.user_name = name_from_me(me)
    remember(remembered_in, token, connection.user_name)
    return connection


def connect(
    url: str, token: str, paths: AppPaths, fingerprint: str = "", share: str = ""
) -> ServerConnection:
    """The server at ``url``; with an empty URL the embedded one, started now (~0.5 s).
    ``fingerprint``: the pinned certificate of a self-signed HTTPS server; ``share``: the
    ``host:port`` the embedded server listens on for the band (empty: loopback only)."""
    url = url.strip().rstrip("/")
    if url:
        log.info("using the server at %s", url)
        api = ApiClient(url, token, fingerprint=fingerprint or None)
        return ServerConnection(api, url, server_label(url))
    from desktop_app.services.embedded_server import EmbeddedServer

    server = EmbeddedServer(
        paths.server_data_dir, log_file=paths.log_dir / "server.log", listen=share
    )
    local_url, local_token = server.start()  # which logs where it listens, once
    api = ApiClient(local_url, local_token, fingerprint=server.fingerprint)
    return ServerConnection(api, "", LOCAL_SERVER_LABEL, server)
