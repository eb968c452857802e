"""``sequencer outbox [list|flush]``: what has not reached its thread yet, and sending it."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from enum import StrEnum

from desktop_app.commands._connection import CliContext, add_connection_args, open_context
from desktop_app.services.api import ApiError, PermanentApiError
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import Outbox, OutboxEntry, SampleLookup, Stage

FLUSH_ATTEMPTS = 5


HELP = "list or deliver messages not yet delivered"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action")
    sub.add_parser("list", help="list undelivered messages (default)")
    flush = sub.add_parser("flush", help="deliver them now, retrying transient failures")
    flush.add_argument("--retry-failed", action="store_true", help="also retry failed ones")
    add_connection_args(p)


def open_outbox(ctx: CliContext, samples: SampleLookup | None = None) -> Outbox:
    """This server's outbox; ``samples``: where queuing finds own samples' files."""
    return Outbox(*ctx.paths.outbox_for(ctx.connection.url), samples=samples)


def describe(entry: OutboxEntry) -> str:
    size = ""
    if entry.audio is not None and entry.audio.path.exists():
        size = f"{entry.audio.path.stat().st_size / 1e6:.1f} MB"
    error = f"\t{entry.last_error}" if entry.last_error else ""
    return f"{entry.id}\t{entry.thread_id}\t{entry.stage.value}\t{size}{error}"


def forget_delivered(delivery: Delivery, entry_id: str) -> None:
    """A delivered entry has nothing left to do: its take and its samples' files go with
    it. (The window hands its own takes to the audio cache first; the command line has no
    cache to give them to, and kept them — and the samples' links — forever.)"""
    delivery.outbox.remove(entry_id)


def deliver_with_retries(
    delivery: Delivery, entry: OutboxEntry, *, attempts: int = FLUSH_ATTEMPTS, quiet=False
) -> bool:
    """Deliver one entry, waiting out transient failures a few times; True when done."""
    current = entry
    label = entry.id[:8]

    def progress(done: int, total: int) -> None:
        if not quiet and total:
            print(f"\r{label}: uploading {done * 100 // total:3d}%", end="", file=sys.stderr)

    for attempt in range(attempts):
        try:
            delivery.deliver(current, progress=progress)
            forget_delivered(delivery, current.id)
            if not quiet:
                print(f"\r{label}: delivered        ", file=sys.stderr)
            return True
        except PermanentApiError as exc:
            print(f"\r{label}: failed: {exc.detail}", file=sys.stderr)
            return False
        except ApiError as exc:
            current = delivery.outbox.get(current.id) or current
            if attempt + 1 == attempts:
                print(f"\r{label}: still waiting ({exc.detail})", file=sys.stderr)
                return False
            wait = max(0.0, current.next_attempt_at - time.time())
            if not quiet:
                print(f"\r{label}: {exc.detail}; retrying in {wait:.0f} s",
                      file=sys.stderr)  # fmt: skip
            time.sleep(wait)
    return False


QUEUED_NOTE = "queued: will be delivered by the app or `sequencer outbox flush`"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    QUEUED = "queued"  # still in the outbox, waiting for the server
    FAILED = "failed"  # the server refused it; `outbox flush --retry-failed` after a fix


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    detail: str = ""


def deliver_within(
    delivery: Delivery, entry: OutboxEntry, seconds: float | None, *, clock=time.monotonic
) -> Attempt:
    """Deliver one entry now; with ``seconds``, keep retrying transient failures (on the
    outbox's own backoff) until delivered or the time is up. Never raises for the server
    being away: the entry stays queued, which is what the caller reports."""
    deadline = clock() + (seconds or 0.0)
    current = entry
    while True:
        try:
            delivery.deliver(current)
            forget_delivered(delivery, current.id)
            return Attempt(Outcome.DELIVERED)
        except PermanentApiError as exc:
            return Attempt(Outcome.FAILED, exc.detail)
        except ApiError as exc:
            current = delivery.outbox.get(current.id) or current
            left = deadline - clock()
            if seconds is None or left <= 0:
                return Attempt(Outcome.QUEUED, exc.detail)
            time.sleep(min(left, max(0.2, current.next_attempt_at - time.time())))


def run(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        outbox = open_outbox(ctx)
        try:
            if args.action != "flush":
                threads = outbox.pending_threads()
                for thread in threads:
                    print(f"{thread.id}\tnew thread “{thread.name}”\tqueued")
                entries = outbox.entries(pending_only=True)
                for entry in entries:
                    print(describe(entry))
                if not entries and not threads:
                    print("The outbox is empty: everything was delivered.", file=sys.stderr)
                return 0
            delivery = Delivery(ctx.api, outbox)
            threads_ok = True
            for thread in outbox.pending_threads():  # before the messages posted into them
                try:
                    delivery.deliver_thread(thread.id)
                    print(f"{thread.id[:8]}: thread “{thread.name}” created", file=sys.stderr)
                except ApiError as exc:
                    threads_ok = False
                    print(f"{thread.id[:8]}: thread “{thread.name}”: {exc.detail}", file=sys.stderr)
            if args.retry_failed:
                for entry in outbox.entries(pending_only=True):
                    if entry.stage == Stage.FAILED:
                        delivery.retry(entry.id)
            ok = all(deliver_with_retries(delivery, e) for e in outbox.pending())
            left = outbox.entries(pending_only=True)
            if left:
                print(f"{len(left)} message(s) not delivered yet.", file=sys.stderr)
            return 0 if ok and threads_ok and not left else 1
        finally:
            outbox.close()
