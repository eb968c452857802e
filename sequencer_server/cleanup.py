"""``sequencer-server cleanup``: remove render files nobody can reach any more.

Two kinds of orphans accumulate: uploads that were never attached (a client that gave up,
or the seed's flow interrupted between upload and attach), and files whose deletion failed
when their message was deleted (the seed logs and moves on). Both are found from the
server's upload records — never by listing or parsing URLs — and only after a grace period,
so an upload whose attach is still on its way is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sequencer_server.storage import Storage, StorageError
from sequencer_server.store import MessageStore

log = logging.getLogger("sequencer_server.cleanup")

DEFAULT_GRACE = timedelta(hours=24)


@dataclass
class CleanupReport:
    examined: int = 0
    removed: int = 0
    failed: int = 0
    bytes_freed: int = 0


def find_orphans(store: MessageStore, older_than: timedelta) -> list[dict]:
    cutoff = (datetime.now(UTC) - older_than).isoformat(timespec="milliseconds")
    cutoff = cutoff.replace("+00:00", "Z")
    orphans = []
    for upload in store.uploads_before(cutoff):
        owner = upload.get("message_id")
        if owner is None or store.get_message(owner) is None:
            orphans.append(upload)
    return orphans


def cleanup(
    store: MessageStore,
    storage: Storage,
    *,
    older_than: timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
    out: Callable[[str], None] = print,
) -> CleanupReport:
    report = CleanupReport()
    for upload in find_orphans(store, older_than):
        report.examined += 1
        key, size = upload["key"], int(upload.get("size_bytes") or 0)
        if dry_run:
            out(f"would remove {key} ({size} bytes)")
            report.removed += 1
            report.bytes_freed += size
            continue
        try:
            storage.delete(key)
        except StorageError as exc:
            report.failed += 1
            log.warning("⚠️  Failed to delete orphaned render: %s (%s)", key, exc.code or exc)
            continue
        store.delete_upload(upload["id"])
        report.removed += 1
        report.bytes_freed += size
        log.info("🗑️  Deleted orphaned render: %s", key)
    verb = "would free" if dry_run else "freed"
    out(
        f"{report.removed} orphaned render(s) {'to remove' if dry_run else 'removed'}, "
        f"{verb} {report.bytes_freed / 1e6:.1f} MB; {report.failed} failed"
    )
    return report


def parse_age(text: str) -> timedelta:
    """``90m``, ``24h``, ``7d`` (a bare number is hours)."""
    text = text.strip().lower()
    units = {"m": "minutes", "h": "hours", "d": "days"}
    try:
        if text and text[-1] in units:
            return timedelta(**{units[text[-1]]: float(text[:-1])})
        return timedelta(hours=float(text))
    except ValueError:
        raise ValueError(f"{text!r} is not an age like 90m, 24h or 7d") from None
