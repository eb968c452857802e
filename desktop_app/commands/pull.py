"""``sequencer pull MESSAGE_ID [-o PATTERN.json]``: the command line's Load.

Writes the message's pattern (atomically: a file appears whole or not at all) and fetches
the own samples its tracks play into the sample cache, where ``sequencer render`` and the
window find them. A sample that cannot be fetched does not stop the pattern from being
written — its track plays silence — but is named, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_app.commands._connection import add_connection_args, open_context
from desktop_app.commands._failure import CommandError, reports_errors
from desktop_app.domain.pattern import Pattern, SnapshotError
from desktop_app.domain.sample import snapshot_sample_refs
from desktop_app.services.api import ApiError, NotFoundError, TransientApiError
from desktop_app.services.cache_budget import sample_cap_bytes
from desktop_app.services.pattern_files import (
    PatternFileError,
    confine_sample_files,
    write_pattern_file,
)
from desktop_app.services.sample_fetch import fetch_samples
from desktop_app.services.samples import SampleCache

HELP = "write a message's pattern to a file and fetch its samples"
DESCRIPTION = (
    "Write the pattern of message MESSAGE_ID to PATTERN.json (default: "
    "MESSAGE_ID.json) and fetch the samples its tracks play into the sample cache, "
    "so `sequencer render` plays it as the sender heard it."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("message_id", metavar="MESSAGE_ID")
    p.add_argument("-o", "--output", metavar="PATTERN.json", help="where to write the pattern")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    add_connection_args(p)


def _no_pattern(snapshot: dict) -> str:
    filename = snapshot.get("filename")
    if isinstance(filename, str) and "tracks" not in snapshot:
        return f"it is the audio file {filename}, not a pattern"
    return "it holds words only" if not snapshot else "it holds no pattern"


@reports_errors("pull")
def run(args: argparse.Namespace) -> int:
    out = Path(args.output or f"{args.message_id}.json")
    with open_context(args) as ctx:
        try:
            message = ctx.api.get_message(args.message_id)
        except NotFoundError:
            raise CommandError(f"no message {args.message_id} on {ctx.connection.label}") from None
        except TransientApiError as exc:
            raise CommandError(f"{exc.detail}; nothing written") from None
        except ApiError as exc:
            raise CommandError(exc.detail) from None
        snapshot = dict(message.snapshot or {})
        if "tracks" not in snapshot:
            why = _no_pattern(snapshot)
            raise CommandError(f"message {args.message_id} has no pattern: {why}")
        try:
            Pattern.from_snapshot(snapshot)
        except SnapshotError as exc:
            raise CommandError(
                f"message {args.message_id}'s pattern cannot be loaded: {exc}"
            ) from None
        # A received "sample_file" names a file on the reader's disk: written into the
        # pattern file, it would be read (and uploaded) by a later `sequencer send`.
        snapshot, refused = confine_sample_files(snapshot, None)
        for why in refused:
            print(f"sequencer pull: {why}", file=sys.stderr)
        try:
            write_pattern_file(out, snapshot)
        except PatternFileError as exc:
            raise CommandError(f"{out}: cannot write: {exc}") from None
        refs = snapshot_sample_refs(snapshot)
        if not refs:
            if not args.quiet:
                print(f"{out}: pattern written", file=sys.stderr)
            return 0

        def progress(done: int, total: int, name: str) -> None:
            if not args.quiet and name:
                print(f"fetching sample {done + 1}/{total}: {name}", file=sys.stderr)

        cache = SampleCache(
            ctx.paths.sample_cache_dir, ctx.api, sample_cap_bytes(ctx.settings.cache_size_mb)
        )
        report = fetch_samples(cache, refs, progress)
    if report.missing:
        for why in report.missing.values():
            print(f"sequencer pull: {why}", file=sys.stderr)
        raise CommandError(
            f"{out}: pattern written, but {len(report.missing)} of its {len(refs)} sample(s) "
            "are missing; their tracks play silence",
            1,
        )
    if not args.quiet:
        print(
            f"{out}: pattern written; {len(refs)} sample(s) in the sample cache "
            f"({len(report.fetched)} fetched)",
            file=sys.stderr,
        )
    return 0
