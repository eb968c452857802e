"""``sequencer threads [list|create NAME]``"""

from __future__ import annotations

import argparse
import sys

from desktop_app.commands._connection import add_connection_args, open_context
from desktop_app.services.api import ApiError

HELP = "list or create threads"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action")
    sub.add_parser("list", help="list the threads (default)")
    create = sub.add_parser("create", help="create a thread")
    create.add_argument("name")
    add_connection_args(p)


def run(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        try:
            if args.action == "create":
                thread = ctx.api.create_thread(args.name, [ctx.user])
                print(f"{thread.id}\t{thread.name}")
                return 0
            for thread in ctx.api.list_threads():
                print(f"{thread.id}\t{thread.name}\t{thread.updated_at}")
        except ApiError as exc:
            print(f"sequencer threads: {exc.detail}", file=sys.stderr)
            return 1
    return 0
