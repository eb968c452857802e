"""``sequencer send PATTERN.json --thread ID [--loops N] [--wait[=SECONDS]]``: bounce the
pattern, then post it with its render through the outbox — exactly what the GUI's Send
does. With the server away the message is queued, not refused: the app or
``sequencer outbox flush`` delivers it later, and ``--wait`` stays until it is delivered.

A track's ``"sample_file"`` becomes its own sample: put into the sample cache, referenced
by SHA-256 in the snapshot, uploaded by the outbox before the message is created."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from desktop_app.audio.bounce import MAX_LOOPS, OfflineRender, bounce
from desktop_app.audio.kit import KitError, load_default_kit
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.audio.peaks import compute_peaks
from desktop_app.audio.sample_bank import SampleBank
from desktop_app.commands._connection import add_connection_args, open_context
from desktop_app.commands._failure import CommandError, reports_errors
from desktop_app.commands._inputs import add_pattern_arguments, pattern_input
from desktop_app.commands._own_samples import missing_samples, sample_cache
from desktop_app.commands.outbox import QUEUED_NOTE, Outcome, deliver_within, open_outbox
from desktop_app.domain.draft import AudioFile, MessageDraft
from desktop_app.domain.metadata import snapshot_metadata
from desktop_app.services.api import ApiError, TransientApiError
from desktop_app.services.delivery import Delivery
from desktop_app.services.sample_fetch import fetch_samples

SAMPLE_RATE = 44100
DEFAULT_WAIT = 120.0  # `--wait` without a value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"{text} is outside 0-86400 seconds")
    return value


HELP = "post a pattern with its render to a thread"
DESCRIPTION = (
    "Post a pattern with its render through the outbox. When the server "
    "cannot be reached the message stays queued (exit 0) and the app or `sequencer "
    "outbox flush` delivers it; --wait waits for the delivery instead."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_pattern_arguments(p, loops=4)
    p.add_argument("--thread", required=True, metavar="ID", help="thread id (see `threads`)")
    p.add_argument("--bitrate", type=int, default=320)
    p.add_argument("--no-audio", action="store_true", help="post the pattern without a render")
    p.add_argument(
        "--wait",
        nargs="?",
        type=_seconds,
        const=DEFAULT_WAIT,
        default=None,
        metavar="SECONDS",
        help=f"wait until it is delivered (default {DEFAULT_WAIT:g} s); exit 1 if it is not",
    )
    add_connection_args(p)


@reports_errors("send")
def run(args: argparse.Namespace) -> int:
    cache = sample_cache()
    pattern = pattern_input(args, MAX_LOOPS, cache)
    with open_context(args) as ctx, tempfile.TemporaryDirectory() as tmp:
        try:
            ctx.api.get_thread(args.thread)
        except TransientApiError:
            pass  # unreachable: the thread is checked when the message is delivered
        except ApiError as exc:
            raise CommandError(f"thread {args.thread}: {exc.detail}") from None
        audio = None
        cache.set_source(ctx.api)
        if not args.no_audio:
            missing = missing_samples(
                pattern, cache, cache, lambda c, refs: fetch_samples(c, refs).missing
            )
            if missing:
                raise CommandError("; ".join(missing) + " (the render needs every sound)")
            kit, bank = load_default_kit(SAMPLE_RATE), SampleBank(cache, SAMPLE_RATE)
            try:
                pcm = bounce(OfflineRender(pattern, kit, args.loops, SAMPLE_RATE, bank))
            except KitError as exc:
                raise CommandError(str(exc)) from None
            mp3 = Path(tmp) / "render.mp3"
            encode_mp3(pcm, SAMPLE_RATE, mp3, args.bitrate)
            audio = AudioFile(
                mp3, args.bitrate, round(len(pcm) / SAMPLE_RATE, 3), tuple(compute_peaks(pcm))
            )
        snapshot = pattern.to_snapshot()
        outbox = open_outbox(ctx, samples=cache)
        try:
            entry = outbox.add(
                MessageDraft(
                    args.thread,
                    ctx.user,
                    snapshot,
                    snapshot_metadata(snapshot, audio.duration if audio else None),
                    audio,
                )
            )
            print(entry.id)
            sys.stdout.flush()
            attempt = deliver_within(Delivery(ctx.api, outbox), entry, args.wait)
        finally:
            outbox.close()
    if attempt.outcome == Outcome.DELIVERED:
        print("delivered", file=sys.stderr)
        return 0
    if attempt.outcome == Outcome.FAILED:
        raise CommandError(
            f"the server refused the message: {attempt.detail} "
            "(it stays in the outbox; `sequencer outbox flush --retry-failed` tries again)",
            1,
        )
    if args.wait is not None:
        raise CommandError(
            f"not delivered within {args.wait:g} s ({attempt.detail}); it stays {QUEUED_NOTE}",
            1,
        )
    print(f"{QUEUED_NOTE} ({attempt.detail})", file=sys.stderr)
    return 0
