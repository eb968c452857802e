"""``sequencer-server cleanup``, the samples' part: remove samples no live message
references, and files under ``{ENV}/samples/`` that no sample record owns — both only
after the grace period, so a sample uploaded for a message still being written stays.

A sample's references are the messages recorded at their create; a deleted message no
longer counts (its reference is simply not found), so deleting message A leaves a sample
message B uses, and the sample goes once neither exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sequencer_server.cleanup import SweepTally, delete_file, sweep_unrecorded
from sequencer_server.storage import Storage
from sequencer_server.store import MessageStore

log = logging.getLogger("sequencer_server.cleanup")


class SampleCleanupReport(SweepTally):
    """What the samples' part did (``examined`` counts only the files no record owns)."""


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def unreferenced_samples(store: MessageStore, cutoff: str) -> list[dict[str, Any]]:
    """Sample records created before ``cutoff`` that no existing message references."""
    return [
        record
        for record in store.samples_before(cutoff)
        if not any(store.get_message(m) is not None for m in store.sample_refs(record["sha256"]))
    ]


def cleanup_samples(
    store: MessageStore,
    storage: Storage,
    prefix: str,
    *,
    older_than: timedelta,
    dry_run: bool = False,
    out: Callable[[str], None] = print,
) -> SampleCleanupReport:
    """Remove unreferenced samples, then the files under ``prefix`` (``{ENV}/samples/``)
    that no record owns."""
    report = SampleCleanupReport()
    cutoff = _iso(datetime.now(UTC) - older_than)
    for record in unreferenced_samples(store, cutoff):
        key, size = record["key"], int(record.get("size_bytes") or 0)
        if dry_run:
            out(f"would remove sample {key} ({size} bytes, no message uses it)")
        else:
            # The record goes first, and only if no message started using the sample since
            # the cutoff (messages record their references before they are stored); a file
            # whose delete fails is then owned by no record, and the next run removes it.
            if not store.delete_sample(record["sha256"], unless_referenced_since=cutoff):
                continue
            if not delete_file(storage, key, report, "unused sample"):
                continue
            log.info("🗑️  Deleted sample no message uses: %s", key)
        report.count_removed(size)
    sweep_unrecorded(
        storage,
        prefix,
        store.get_sample,
        report,
        record="sample",
        older_than=older_than,
        dry_run=dry_run,
        out=out,
    )
    verb = "would free" if dry_run else "freed"
    out(
        f"{report.removed} unused sample(s) {'to remove' if dry_run else 'removed'}, "
        f"{verb} {report.bytes_freed / 1e6:.1f} MB; {report.failed} failed"
    )
    return report
