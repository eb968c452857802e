"""``sequencer-server cleanup``: remove render files nobody can reach any more.

Three kinds of orphans accumulate: uploads that were never attached (a client that gave up,
or the seed's flow interrupted between upload and attach), and files whose deletion failed
when their message was deleted (the seed logs and moves on) — both found from the server's
upload records — and files no record owns: a ``.upload-*.part`` left by a process killed
while writing, or a file stored by a process killed before it recorded the upload. Those
are found by listing the storage under the renders prefix and looking each key up (on
S3, multipart uploads a killed process never finished are aborted too). All
only after a grace period (by record time or by file time), so an upload still on its way
is left alone. The same run forgets deletions older than the tombstone retention.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from sequencer_server.storage import Storage, StorageError, StoredObject
from sequencer_server.store import MessageStore

log = logging.getLogger("sequencer_server.cleanup")

DEFAULT_GRACE = timedelta(hours=24)


@dataclass
class SweepTally:
    """What a sweep did; renders and samples count the same way, so one sweep serves both."""

    examined: int = 0
    removed: int = 0
    failed: int = 0
    bytes_freed: int = 0
    unrecorded: int = 0  # of the removed: files no record owned

    def count_removed(self, size: int, *, unrecorded: bool = False) -> None:
        self.removed += 1
        self.bytes_freed += size
        self.unrecorded += int(unrecorded)


def delete_file(storage: Storage, key: str, tally: SweepTally, what: str) -> bool:
    """Delete one stored file; a storage failure is counted and logged, not raised, so one
    unreachable file never stops a sweep (the next run tries it again)."""
    try:
        storage.delete(key)
    except StorageError as exc:
        tally.failed += 1
        log.warning("⚠️  Failed to delete %s: %s (%s)", what, key, exc.code or exc)
        return False
    return True


@dataclass
class CleanupReport(SweepTally):
    incomplete: int = 0  # unfinished storage writes abandoned (S3 multipart uploads)


def find_orphans(store: MessageStore, older_than: timedelta) -> list[dict]:
    cutoff = (datetime.now(UTC) - older_than).isoformat(timespec="milliseconds")
    cutoff = cutoff.replace("+00:00", "Z")
    orphans = []
    for upload in store.uploads_before(cutoff):
        owner = upload.get("message_id")
        if owner is None or store.get_message(owner) is None:
            orphans.append(upload)
    return orphans


def find_unrecorded(
    storage: Storage,
    prefix: str,
    older_than: timedelta,
    owner: Callable[[str], Mapping[str, Any] | None],
) -> list[StoredObject]:
    """Files under ``prefix`` older than the grace period that no record owns. Keys are
    ``{env}/{kind}/{id}.{ext}``, so each is one ``owner`` lookup by id; a record that names
    another key (an upload stored under a different format) does not own the file."""
    cutoff = datetime.now(UTC) - older_than
    found = []
    for obj in storage.list_objects(prefix):
        if obj.modified >= cutoff:
            continue
        record = owner(PurePosixPath(obj.key).stem)
        if record is None or record.get("key") != obj.key:
            found.append(obj)
    return found


def sweep_unrecorded(
    storage: Storage,
    prefix: str,
    owner: Callable[[str], Mapping[str, Any] | None],
    tally: SweepTally,
    *,
    record: str,
    older_than: timedelta,
    dry_run: bool,
    out: Callable[[str], None],
) -> None:
    """Remove (or, dry, name) the files under ``prefix`` that no ``record`` record owns.
    A failed delete is counted and logged and the sweep goes on: the next run tries again."""
    for obj in find_unrecorded(storage, prefix, older_than, owner):
        tally.examined += 1
        if dry_run:
            out(f"would remove {obj.key} ({obj.size} bytes, no {record} record)")
        elif delete_file(storage, obj.key, tally, f"file no {record} record owns"):
            log.info("🗑️  Deleted file no %s record owns: %s", record, obj.key)
        else:
            continue
        tally.count_removed(obj.size, unrecorded=True)


def cleanup(
    store: MessageStore,
    storage: Storage,
    *,
    older_than: timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
    out: Callable[[str], None] = print,
    renders_prefix: str | None = None,
) -> CleanupReport:
    """Remove orphaned renders; with ``renders_prefix`` (the CLI passes
    ``{ENV}/renders/``) also the files under it that no record owns. Only that prefix is
    listed: a bucket shared with other environments or applications keeps their objects."""
    report = CleanupReport()
    if renders_prefix is not None:
        if not dry_run:
            before = datetime.now(UTC) - older_than
            try:
                report.incomplete = storage.discard_incomplete(renders_prefix, before)
            except StorageError as exc:
                report.failed += 1
                log.warning("⚠️  Failed to discard unfinished uploads: %s", exc.code or exc)
        sweep_unrecorded(
            storage,
            renders_prefix,
            store.get_upload,
            report,
            record="upload",
            older_than=older_than,
            dry_run=dry_run,
            out=out,
        )
    for upload in find_orphans(store, older_than):
        report.examined += 1
        key, size = upload["key"], int(upload.get("size_bytes") or 0)
        if dry_run:
            out(f"would remove {key} ({size} bytes)")
        elif delete_file(storage, key, report, "orphaned render"):
            store.delete_upload(upload["id"])
            log.info("🗑️  Deleted orphaned render: %s", key)
        else:
            continue
        report.count_removed(size)
    verb = "would free" if dry_run else "freed"
    out(
        f"{report.removed} orphaned render(s) {'to remove' if dry_run else 'removed'}, "
        f"{verb} {report.bytes_freed / 1e6:.1f} MB; {report.failed} failed"
        + (f"; {report.incomplete} unfinished upload(s) abandoned" if report.incomplete else "")
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


def prune_tombstones(
    store: MessageStore, retention: timedelta, out: Callable[[str], None] = print
) -> int:
    """Forget deletions older than ``retention``; pollers with older cursors get
    ``reset`` and reload the thread."""
    cutoff_ms = int((datetime.now(UTC) - retention).timestamp() * 1000)
    pruned = store.prune_tombstones(cutoff_ms)
    out(f"{pruned} deletion record(s) older than {retention.days} days forgotten")
    return pruned
