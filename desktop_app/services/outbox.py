"""The outbox: every message the user sent, and how far its delivery got.

Written before any network call and after every stage, in SQLite in the data folder, so a
quit, a crash or a reboot resumes exactly where delivery stopped. Threads made while
the server was away wait here too, under the id the server will keep. The stages only move
forward — queued → created → uploaded → attached — and each is safe to repeat on the
server (client-chosen message id, upload ``Idempotency-Key``, attach by render id), which is
what makes "exactly once" hold across crashes.

A pattern that plays the musician's own samples needs them on the server before
the message can be created: the outbox keeps its own hard link (or copy) of each sample
file beside the take, so a sample evicted from the cache or deleted by the user after
Send still arrives. Sample uploads are idempotent by content hash.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from desktop_app.domain.draft import AudioFile, MessageDraft, SampleFile
from desktop_app.domain.message import Message, Render, Thread, utc_now_iso
from desktop_app.domain.sample import snapshot_sample_refs
from desktop_app.services.samples import sha256_file
from sequencer_common.atomic import atomic_path
from sequencer_common.sqlite_db import Database

log = logging.getLogger(__name__)

__all__ = ["AudioFile", "Outbox", "OutboxEntry", "SampleFile", "SampleFileError", "Stage"]


class SampleLookup(Protocol):
    """Where the outbox finds the files of samples a draft does not bring
    (``SampleCache``): the cached file of a sample, or ``None``."""

    def lookup(self, sha256: str) -> Path | None: ...


class SampleFileError(Exception):
    """A sample file does not hold the bytes its SHA-256 names: nothing was queued."""


class Stage(StrEnum):
    QUEUED = "queued"  # in the outbox, nothing on the server yet
    CREATED = "created"  # the message exists on the server
    UPLOADED = "uploaded"  # the render exists on the server, not attached yet
    ATTACHED = "attached"  # delivered (a message without audio skips the upload stages)
    FAILED = "failed"  # a permanent error; waits for the user's Retry


# What an entry keeps of its draft, under the draft's own names. A draft's ``renders`` (the
# first run's, which the server already holds) are posted directly and never queue here.
_DRAFT_FIELDS = tuple(f.name for f in fields(MessageDraft) if f.name != "renders")


@dataclass(frozen=True)
class OutboxEntry:
    id: str
    thread_id: str
    user_id: str
    snapshot: dict[str, Any]
    snapshot_metadata: dict[str, Any] | None
    timestamp: str
    stage: Stage = Stage.QUEUED
    audio: AudioFile | None = None
    render: Render | None = None
    failed_stage: Stage | None = None
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str | None = None
    created_at: float = field(default_factory=time.time)
    text: str = ""
    reply_to: str = ""
    samples: tuple[SampleFile, ...] = ()

    @classmethod
    def of(cls, draft: MessageDraft) -> OutboxEntry:
        """The entry a draft starts as: queued, nothing on the server yet."""
        return cls(**{name: getattr(draft, name) for name in _DRAFT_FIELDS})

    @property
    def draft(self) -> MessageDraft:
        """What to post to create the message (same id and timestamp on every attempt)."""
        return MessageDraft(**{name: getattr(self, name) for name in _DRAFT_FIELDS})

    @property
    def done(self) -> bool:
        return self.stage == Stage.ATTACHED

    @property
    def upload_key(self) -> str:
        """The upload's idempotency key: one per message, so a retried upload after a
        crash returns the render the server already stored."""
        return f"outbox-{self.id}"

    def as_message(self) -> Message:
        """The optimistic message shown in the list before the server has it."""
        return Message(
            id=self.id,
            parent_thread=self.thread_id,
            user_id=self.user_id,
            snapshot=self.snapshot,
            timestamp=self.timestamp,
            created_at=self.timestamp,
            snapshot_metadata=self.snapshot_metadata,
            renders=(self.render,) if self.render and self.stage == Stage.ATTACHED else (),
            text=self.text,
            reply_to=self.reply_to,
        )


SCHEMA_VERSION = 1  # outbox files from before versions were kept are the same schema
BUSY_TIMEOUT_S = 5.0  # sqlite3's default, what the outbox always waited for another process
SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_at REAL NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_stage ON outbox (stage);
CREATE TABLE IF NOT EXISTS outbox_threads (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    doc TEXT NOT NULL
);
"""


class Outbox:
    """Thread-safe; every write is committed before the method returns."""

    def __init__(
        self, db_path: Path, files_dir: Path, *, samples: SampleLookup | None = None
    ) -> None:
        """``samples``: where to find the files of a pattern's own samples that a draft
        does not name (without it, only the draft's own ``samples`` are kept)."""
        self._samples = samples
        self.files_dir = Path(files_dir)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        # Where audio made only to be sent (a dropped WAV encoded to MP3) is prepared:
        # the outbox moves such files in instead of copying them.
        self.scratch_dir = self.files_dir / "scratch"
        # FULL: a message the musician sent must survive a power cut, not only a crash.
        self._database = Database(db_path, busy_timeout=BUSY_TIMEOUT_S, synchronous="FULL")
        self._database.ensure_schema(SCHEMA, SCHEMA_VERSION, what="Sequencer outbox")
        self._db = self._database.connection
        self._lock = self._database.lock
        self._tx = self._database.transaction

    # -- writing ---------------------------------------------------------------------
    def add(self, draft: MessageDraft) -> OutboxEntry:
        """Queue a message. The audio file is copied into the outbox's own folder first, so
        deleting or re-recording the take cannot lose what was sent; so are the pattern's
        own samples (hard links where the file system allows: no second copy on disk).
        Raises ``OSError`` or ``SampleFileError`` with nothing queued."""
        entry = OutboxEntry.of(draft)
        kept: list[Path] = []
        try:
            entry = replace(entry, samples=self._keep_samples(entry.id, draft, kept))
            audio = draft.audio
            if audio is not None:
                source = Path(audio.path)
                if not source.is_file():
                    raise FileNotFoundError(f"The recording {source} does not exist")
                target = self.files_dir / f"{entry.id}{source.suffix or '.mp3'}"
                with atomic_path(target) as tmp:
                    if source.parent == self.scratch_dir:
                        os.replace(source, tmp)  # made for this message (an encoded drop)
                    else:
                        shutil.copyfile(source, tmp)
                entry = replace(entry, audio=replace(audio, path=target))
            with self._tx() as db:
                db.execute(
                    "INSERT INTO outbox (id, thread_id, stage, created_at, doc) VALUES (?,?,?,?,?)",
                    (entry.id, entry.thread_id, entry.stage, entry.created_at, _dump(entry)),
                )
        except BaseException:
            for path in kept:
                path.unlink(missing_ok=True)
            raise
        return entry

    def _keep_samples(
        self, entry_id: str, draft: MessageDraft, kept: list[Path]
    ) -> tuple[SampleFile, ...]:
        """The outbox's own file of every sample the snapshot names, checked against its
        hash. A sample with no local file stays listed without one: the server may have it
        already (a pattern loaded from a message whose sample could not be fetched)."""
        given = {s.sha256: s for s in draft.samples}
        samples = []
        for sha, name in snapshot_sample_refs(draft.snapshot).items():
            sample = given.get(sha) or SampleFile(sha, None, name)
            sample = replace(sample, name=sample.name or name, uploaded=False)
            source = sample.path if sample.path is not None and sample.path.is_file() else None
            if source is None and self._samples is not None:
                source = self._samples.lookup(sha)
            if source is None:
                samples.append(replace(sample, path=None))
                continue
            target = self.files_dir / f"{entry_id}.sample-{sha}{source.suffix.lower()}"
            with atomic_path(target) as tmp:
                try:
                    os.link(source, tmp)
                except OSError:  # another file system, or one without hard links
                    shutil.copyfile(source, tmp)
            kept.append(target)
            if sha256_file(target) != sha:
                raise SampleFileError(
                    f"the sample “{sample.label}” ({source}) no longer holds the sound the "
                    "pattern names"
                )
            samples.append(replace(sample, path=target))
        return tuple(samples)

    def save(self, entry: OutboxEntry) -> OutboxEntry:
        with self._tx() as db:
            db.execute(
                "UPDATE outbox SET stage = ?, doc = ? WHERE id = ?",
                (entry.stage, _dump(entry), entry.id),
            )
        return entry

    def advance(self, entry: OutboxEntry, stage: Stage, **changes: Any) -> OutboxEntry:
        """Record that ``stage`` was reached; resets the retry bookkeeping."""
        return self.save(
            replace(
                entry,
                stage=stage,
                attempts=0,
                next_attempt_at=0.0,
                last_error=None,
                failed_stage=None,
                **changes,
            )
        )

    def remove(self, entry_id: str) -> None:
        """Files first, then the row: once an entry is gone from the list its take is gone
        from the disk too (a crash in between leaves a delivered row, removed next time)."""
        for path in self.files_dir.glob(f"{entry_id}.*"):
            path.unlink(missing_ok=True)
        with self._tx() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))

    # -- reading ---------------------------------------------------------------------
    def get(self, entry_id: str) -> OutboxEntry | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        return _load(row[0], self.files_dir) if row else None

    def entries(
        self, thread_id: str | None = None, *, pending_only: bool = False
    ) -> list[OutboxEntry]:
        sql, args = "SELECT doc FROM outbox", []
        clauses = []
        if thread_id is not None:
            clauses.append("thread_id = ?")
            args.append(thread_id)
        if pending_only:
            clauses.append("stage != ?")
            args.append(Stage.ATTACHED.value)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY created_at, id", args).fetchall()
        return [_load(r[0], self.files_dir) for r in rows]

    def pending(self) -> list[OutboxEntry]:
        """Entries that still have work to do (failed ones wait for Retry)."""
        return [e for e in self.entries(pending_only=True) if e.stage != Stage.FAILED]

    # -- threads created while the server was away --------------------------------------
    def add_thread(self, name: str, users: tuple[str, ...] = ()) -> Thread:
        """Queue a new thread under an id chosen here, so messages can be queued into it at
        once; the server keeps the id when the thread is created (``Delivery``)."""
        now = utc_now_iso()
        thread = Thread(id=uuid.uuid4().hex, name=name, users=users, created_at=now, updated_at=now)
        with self._tx() as db:
            db.execute(
                "INSERT INTO outbox_threads (id, created_at, doc) VALUES (?, ?, ?)",
                (thread.id, time.time(), json.dumps(thread.to_json())),
            )
        return thread

    def pending_threads(self) -> list[Thread]:
        """Threads not created on the server yet, oldest first."""
        docs = self._database.documents("SELECT doc FROM outbox_threads ORDER BY created_at, id")
        return [Thread.from_json(d) for d in docs]

    def pending_thread(self, thread_id: str) -> Thread | None:
        docs = self._database.documents("SELECT doc FROM outbox_threads WHERE id = ?", thread_id)
        return Thread.from_json(docs[0]) if docs else None

    def rename_thread(self, thread_id: str, name: str) -> Thread | None:
        """Give a queued thread another name; ``None`` if it is not queued (any more)."""
        with self._tx() as db:
            row = db.execute("SELECT doc FROM outbox_threads WHERE id = ?", (thread_id,)).fetchone()
            if row is None:
                return None
            thread = replace(Thread.from_json(json.loads(row[0])), name=name)
            db.execute(
                "UPDATE outbox_threads SET doc = ? WHERE id = ?",
                (json.dumps(thread.to_json()), thread_id),
            )
        return thread

    def remove_thread_named(self, thread_id: str, name: str) -> Thread | None:
        """The server has the queued thread under ``name``: it leaves the outbox — unless
        the musician renamed it while it was being created, when it stays and is returned
        (its new name still has to reach the server). One transaction, so a rename cannot
        fall between the check and the delete."""
        with self._tx() as db:
            row = db.execute("SELECT doc FROM outbox_threads WHERE id = ?", (thread_id,)).fetchone()
            if row is None:
                return None
            queued = Thread.from_json(json.loads(row[0]))
            if queued.name != name:
                return queued
            db.execute("DELETE FROM outbox_threads WHERE id = ?", (thread_id,))
        return None

    def remove_thread(self, thread_id: str) -> None:
        """The server has the thread (or refused it for good): nothing left to do."""
        with self._tx() as db:
            db.execute("DELETE FROM outbox_threads WHERE id = ?", (thread_id,))

    def close(self) -> None:
        self._database.close()


def _dump(entry: OutboxEntry) -> str:
    data = {
        "id": entry.id,
        "thread_id": entry.thread_id,
        "user_id": entry.user_id,
        "snapshot": entry.snapshot,
        "snapshot_metadata": entry.snapshot_metadata,
        "timestamp": entry.timestamp,
        "stage": entry.stage.value,
        "render": entry.render.to_json() if entry.render else None,
        "failed_stage": entry.failed_stage.value if entry.failed_stage else None,
        "attempts": entry.attempts,
        "next_attempt_at": entry.next_attempt_at,
        "last_error": entry.last_error,
        "created_at": entry.created_at,
        "audio": None,
        "text": entry.text,
        "reply_to": entry.reply_to,
        "samples": [
            {
                "sha256": s.sha256,
                "path": None if s.path is None else str(s.path),
                "name": s.name,
                "uploaded": s.uploaded,
            }
            for s in entry.samples
        ],
    }
    if entry.audio is not None:
        data["audio"] = {
            "path": str(entry.audio.path),
            "bitrate": entry.audio.bitrate,
            "duration": entry.audio.duration,
            "peaks": list(entry.audio.peaks) if entry.audio.peaks else None,
        }
    return json.dumps(data)


def _kept_here(path: str | None, files_dir: Path) -> Path | None:
    """A sample file the outbox kept (``files_dir/{id}.sample-{sha}.{ext}``), else None.
    The outbox only ever uploads its own copies: a row naming a file anywhere else (an
    edited database, a bug) uploads nothing from there; its sample must already be on
    the server, or the message fails naming it."""
    if not path:
        return None
    kept = Path(path)
    try:
        if kept.parent.resolve() == files_dir.resolve() and ".sample-" in kept.name:
            return kept
    except (OSError, RuntimeError):
        pass
    log.warning("outbox: ignoring a sample file outside the outbox: %s", kept)
    return None


def _load(text: str, files_dir: Path) -> OutboxEntry:
    d = json.loads(text)
    audio = d.get("audio")
    return OutboxEntry(
        id=d["id"],
        thread_id=d["thread_id"],
        user_id=d["user_id"],
        snapshot=d["snapshot"],
        snapshot_metadata=d.get("snapshot_metadata"),
        timestamp=d["timestamp"],
        stage=Stage(d["stage"]),
        audio=AudioFile(
            path=Path(audio["path"]),
            bitrate=audio.get("bitrate"),
            duration=audio.get("duration"),
            peaks=tuple(audio["peaks"]) if audio.get("peaks") else None,
        )
        if audio
        else None,
        render=Render.from_json(d["render"]) if d.get("render") else None,
        failed_stage=Stage(d["failed_stage"]) if d.get("failed_stage") else None,
        attempts=int(d.get("attempts", 0)),
        next_attempt_at=float(d.get("next_attempt_at", 0.0)),
        last_error=d.get("last_error"),
        created_at=float(d.get("created_at", 0.0)),
        text=str(d.get("text") or ""),
        reply_to=str(d.get("reply_to") or ""),
        samples=tuple(
            SampleFile(
                sha256=s["sha256"],
                path=_kept_here(s.get("path"), files_dir),
                name=str(s.get("name") or ""),
                uploaded=bool(s.get("uploaded")),
            )
            for s in d.get("samples") or ()
        ),
    )
