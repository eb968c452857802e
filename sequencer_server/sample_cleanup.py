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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from sequencer_server.storage import Storage, StorageError
from sequencer_server.store import MessageStore

log = logging.getLogger("sequencer_server.cleanup")


@dataclass
class SampleCleanupReport:
    removed: int = 0
    failed: int = 0
    bytes_freed: int = 0
    unrecorded: int = 0  # of the removed: files no sample record owned


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
            try:
                storage.delete(key)
            except StorageError as exc:
                report.failed += 1
                log.warning("⚠️  Failed to delete unused sample: %s (%s)", key, exc.code or exc)
                continue
            log.info("🗑️  Deleted sample no message uses: %s", key)
        report.removed += 1
        report.bytes_freed += size
    files_cutoff = datetime.now(UTC) - older_than
    for obj in storage.list_objects(prefix):
        if obj.modified >= files_cutoff:
            continue
        owner = store.get_sample(PurePosixPath(obj.key).stem)
        if owner is not None and owner.get("key") == obj.key:
            continue
        if dry_run:
            out(f"would remove {obj.key} ({obj.size} bytes, no sample record)")
        else:
            try:
                storage.delete(obj.key)
            except StorageError as exc:
                report.failed += 1
                log.warning("⚠️  Failed to delete unrecorded sample file: %s (%s)", obj.key,
                            exc.code or exc)  # fmt: skip
                continue
            log.info("🗑️  Deleted file no sample record owns: %s", obj.key)
        report.removed += 1
        report.unrecorded += 1
        report.bytes_freed += obj.size
    verb = "would free" if dry_run else "freed"
    out(
        f"{report.removed} unused sample(s) {'to remove' if dry_run else 'removed'}, "
        f"{verb} {report.bytes_freed / 1e6:.1f} MB; {report.failed} failed"
    )
    return report
