"""How subcommands find their server: flags, then the environment, then the settings, and
with none of them the embedded local server — the same server the GUI would use."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from desktop_app.commands._server_args import add_connection_args
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection, connect
from desktop_app.settings import Settings

__all__ = ["CliContext", "add_connection_args", "open_context"]


@dataclass
class CliContext:
    paths: AppPaths
    settings: Settings
    connection: ServerConnection
    user: str

    @property
    def api(self) -> ApiClient:
        return self.connection.api

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> CliContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_context(args: argparse.Namespace) -> CliContext:
    paths = AppPaths.from_env().ensure()
    # The environment overrides the settings inside Settings, as in the window.
    settings = Settings.open(paths.settings_file, environ=os.environ)
    url = (args.server or settings.server_url).strip()
    token = args.token or settings.api_token
    user = args.user or settings.user_name
    # Each joined server has its own pin; any other server gets ordinary checks.
    return CliContext(paths, settings, connect(url, token, paths, settings.pin_for(url)), user)
