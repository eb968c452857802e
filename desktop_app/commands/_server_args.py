"""``--server --token --user``: the flags of every subcommand that may talk to a server.

Apart from ``_connection`` (which opens the connection, and loads the settings and the
HTTP client to do so) so that a command that only sometimes needs a server — ``render``
fetching a missing sample — can offer the flags without paying for them at start-up.
"""

from __future__ import annotations

import argparse


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
