"""``sequencer`` — the GUI with no arguments, subcommands for scripts.

Each subcommand lives in ``desktop_app/commands/<name>.py`` and declares its help, its
arguments and its ``run`` (``commands/_command.py``); they use the same services as the
GUI. Only the module of the subcommand being run is imported (``sequencer render`` never
loads Qt or HTTP code), so a script pays for what it uses; ``sequencer --help`` imports
them all to list them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from desktop_app import __version__
from desktop_app.commands._command import add_command
from desktop_app.embedded_flag import EMBEDDED_SERVER_FLAG
from desktop_app.gui_args import GuiArgsError, GuiOptions

COMMANDS = ("render", "send", "pull", "outbox", "threads", "cache", "export-midi", "import-midi")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with ``only`` that one (fast start-up)."""
    parser = argparse.ArgumentParser(
        prog="sequencer",
        description="Step sequencer that records what it plays and shares it in threads. "
        "Without a subcommand, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"sequencer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        path = f"desktop_app.commands.{name.replace('-', '_')}"  # export-midi: export_midi.py
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name != path:
                raise
            continue
        add_command(sub, name, module)
    return parser


def _opens_files(argv: list[str]) -> bool:
    """``sequencer groove.json`` / ``sequencer take.mp3`` (a file manager's "Open with"),
    or Qt options with values (``-platform offscreen``): the first positional argument is
    not a subcommand. A mistyped subcommand (no suffix, no such file) still gets
    argparse's "invalid choice"."""
    first = next((a for a in argv if not a.startswith("-")), None)
    if first is None or first in COMMANDS:
        return False
    try:
        files = GuiOptions.parse(argv).files
    except GuiArgsError:
        return True  # run_gui says what is wrong
    if not files:
        return True
    return files[0].suffix != "" or files[0].exists()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [EMBEDDED_SERVER_FLAG]:
        # A frozen bundle has no `python -m sequencer_server`: the embedded server is this
        # same executable started with this flag (services/embedded_server.py).
        from sequencer_server.__main__ import main as server_main

        return server_main(argv[1:])
    if _opens_files(argv):
        from desktop_app.gui_main import run_gui

        return run_gui(argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args, rest = parser.parse_known_args(argv)
    if args.command is None:
        from desktop_app.gui_main import run_gui

        return run_gui(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
