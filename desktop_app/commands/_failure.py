"""How a subcommand fails: one line on stderr, ``sequencer NAME: error: …``, and a non-zero
exit status (2 for bad input, as argparse uses), so scripts can rely on both. The line has
its white space folded: an exception's text may span lines, a script's log wants one.

Commands raise ``CommandError`` where they find the problem and ``reports_errors`` turns it
into that line, so the checks of arguments several commands share (``_inputs.py``) are
written once rather than once per command."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

Run = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def reports_errors(command: str) -> Callable[[Run], Run]:
    """Wrap a command's ``run`` so that a ``CommandError`` becomes its stderr line and
    exit status."""

    def wrap(run: Run) -> Run:
        @functools.wraps(run)
        def guarded(args: argparse.Namespace) -> int:
            try:
                return run(args)
            except CommandError as exc:
                print(f"sequencer {command}: error: {' '.join(str(exc).split())}", file=sys.stderr)
                return exc.code

        return guarded

    return wrap
