"""``sequencer send PATTERN.json --thread ID [--loops N]``: bounce the pattern, then post
it with its render through the outbox — exactly what the GUI's Send does."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from desktop_app.audio.bounce import MAX_LOOPS, bounce
from desktop_app.audio.kit import KitError, load_default_kit
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.audio.peaks import compute_peaks
from desktop_app.commands._connection import add_connection_args, open_context
from desktop_app.commands.outbox import deliver_with_retries, open_outbox
from desktop_app.commands.render import load_pattern
from desktop_app.domain.metadata import snapshot_metadata
from desktop_app.domain.pattern import SnapshotError
from desktop_app.services.api import ApiError
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import AudioFile

SAMPLE_RATE = 44100


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("send", help="post a pattern with its render to a thread")
    p.add_argument("pattern", metavar="PATTERN.json")
    p.add_argument("--thread", required=True, metavar="ID", help="thread id (see `threads`)")
    p.add_argument("--loops", type=int, default=4, help="passes to render (default 4)")
    p.add_argument("--bitrate", type=int, default=320)
    p.add_argument("--no-audio", action="store_true", help="post the pattern without a render")
    add_connection_args(p)
    p.set_defaults(func=run)


def fail(message: str) -> int:
    print(f"sequencer send: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    try:
        pattern = load_pattern(Path(args.pattern))
    except SnapshotError as exc:
        return fail(str(exc))
    if not 1 <= args.loops <= MAX_LOOPS:
        return fail(f"--loops: {args.loops} is outside 1-{MAX_LOOPS}")
    with open_context(args) as ctx, tempfile.TemporaryDirectory() as tmp:
        try:
            ctx.api.get_thread(args.thread)
        except ApiError as exc:
            return fail(f"thread {args.thread}: {exc.detail}")
        audio = None
        if not args.no_audio:
            try:
                pcm = bounce(pattern, load_default_kit(SAMPLE_RATE), args.loops, SAMPLE_RATE)
            except KitError as exc:
                return fail(str(exc))
            mp3 = Path(tmp) / "render.mp3"
            encode_mp3(pcm, SAMPLE_RATE, mp3, args.bitrate)
            audio = AudioFile(
                mp3, args.bitrate, round(len(pcm) / SAMPLE_RATE, 3), tuple(compute_peaks(pcm))
            )
        snapshot = pattern.to_snapshot()
        outbox = open_outbox(ctx)
        try:
            entry = outbox.add(
                args.thread,
                ctx.user,
                snapshot,
                snapshot_metadata=snapshot_metadata(snapshot, audio.duration if audio else None),
                audio=audio,
            )
            print(entry.id)
            if deliver_with_retries(Delivery(ctx.api, outbox), entry):
                return 0
            print(
                "The message is in the outbox; `sequencer outbox flush` sends it later.",
                file=sys.stderr,
            )
            return 1
        finally:
            outbox.close()
