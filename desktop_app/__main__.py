"""``sequencer`` — the GUI with no arguments, subcommands for scripts.

Each subcommand lives in ``desktop_app/commands/<name>.py`` and exposes
``register(subparsers)``; they use the same services as the GUI.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from desktop_app import __version__

COMMANDS = ("render", "send", "outbox", "threads", "cache")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sequencer",
        description="Step sequencer that records what it plays and shares it in threads. "
        "Without a subcommand, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"sequencer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"desktop_app.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"desktop_app.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command is None:
        from desktop_app.app import run_gui

        return run_gui(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
