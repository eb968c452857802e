"""Which server the client talks to: a configured URL, or the embedded local server.

Shared by the GUI (``app.py``) and the command line, and free of widgets and multimedia so
a subcommand starts fast and quietly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient

log = logging.getLogger(__name__)

LOCAL_SERVER_LABEL = "Local server"


@dataclass
class ServerConnection:
    """The API client in use and, for the embedded server, the server to stop at exit."""

    api: ApiClient
    url: str
    label: str
    embedded: Any = None  # EmbeddedServer | None

    @property
    def key(self) -> tuple[str, str]:
        """Two connections with the same key talk to the same server as the same client."""
        return (self.url, self.api.token) if self.embedded is None else ("", "")

    def close(self) -> None:
        if self.embedded is not None:
            log.info("stopping the embedded server")
            self.embedded.stop()
            self.embedded = None


def server_label(url: str) -> str:
    return urlsplit(url).netloc or url if url else LOCAL_SERVER_LABEL


def connect(url: str, token: str, paths: AppPaths) -> ServerConnection:
    """The server at ``url``; with an empty URL the embedded one, started now (~0.5 s)."""
    url = url.strip().rstrip("/")
    if url:
        log.info("using the server at %s", url)
        return ServerConnection(ApiClient(url, token), url, server_label(url))
    from desktop_app.services.embedded_server import EmbeddedServer

    server = EmbeddedServer(paths.server_data_dir, log_file=paths.log_dir / "server.log")
    local_url, local_token = server.start()
    log.info("embedded server listening at %s (data in %s)", local_url, paths.server_data_dir)
    return ServerConnection(ApiClient(local_url, local_token), "", LOCAL_SERVER_LABEL, server)
