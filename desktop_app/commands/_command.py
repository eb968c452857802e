"""What a subcommand module declares, and the one place that makes its subparser.

Each ``commands/<name>.py`` says what ``sequencer --help`` shows for it (``HELP``), what
``sequencer NAME --help`` adds (``DESCRIPTION``, when it has one), which arguments it
takes (``add_arguments``) and what it does (``run``); ``add_command`` turns that into the
subparser, so the argparse plumbing is written once rather than once per command.
"""

from __future__ import annotations

import argparse
from typing import Protocol


class Command(Protocol):
    """A subcommand module (``desktop_app.commands.render`` …)."""

    @property
    def HELP(self) -> str: ...

    def add_arguments(self, p: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def add_command(subparsers: argparse._SubParsersAction, name: str, command: Command) -> None:
    description = getattr(command, "DESCRIPTION", None)
    p = subparsers.add_parser(name, help=command.HELP, description=description)
    command.add_arguments(p)
    p.set_defaults(func=command.run)
