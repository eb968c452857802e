"""How subcommands find their server: flags, then the environment, then the settings, and
with none of them the embedded local server — the same server the GUI would use."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection, connect
from desktop_app.settings import Settings


def add_connection_args(parser: argparse.ArgumentParser) -> None:
    """``--server --token --user`` on ``parser`` and on each of its own subcommands, so
    they may stand before or after the action (``threads create X --server URL``)."""
    _add(parser, None)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                # SUPPRESS: a subcommand must not reset what the parent already parsed.
                _add(sub, argparse.SUPPRESS)


def _add(parser: argparse.ArgumentParser, default: object) -> None:
    group = parser.add_argument_group("server")
    group.add_argument(
        "--server", metavar="URL", default=default, help="server URL (env SEQUENCER_SERVER_URL)"
    )
    group.add_argument("--token", metavar="T", default=default, help="API token (SEQUENCER_TOKEN)")
    group.add_argument("--user", metavar="NAME", default=default, help="your name (SEQUENCER_USER)")


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
    # The pin belongs to the settings' server: another --server gets ordinary checks.
    same = url.rstrip("/") == settings.server_url.strip().rstrip("/")
    pin = settings.server_fingerprint if same else ""
    return CliContext(paths, settings, connect(url, token, paths, pin), user)
