"""Delivering the outbox in the background, as the GUI sees it.

``SendQueue`` owns the schedule: which entries are due, which are in flight, when to try
again. The work itself (``Delivery``: create → upload → attach) runs on the upload pool's
workers, never on the GUI thread; progress and stage changes come back as signals. After a
transient failure an entry waits for its backoff, and when the connection comes back every
waiting entry is tried at once.

Nothing polls the outbox while nothing waits in it: each scan (at start, after a send
fails, when the network is back, on the user's Retry) arms one timer for the earliest
backoff still to run, and none when the outbox is empty — an idle app does no work here.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.domain.draft import MessageDraft
from desktop_app.domain.message import Message, Thread
from desktop_app.services.api import ApiError, AuthError, TransientApiError
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import OutboxEntry
from desktop_app.services.tasks import TaskRunner

log = logging.getLogger(__name__)

MAX_WAIT_MS = 60_000  # a retry is looked for at least this often (clock changes)
PROGRESS_STEP = 0.01  # emit progress at most once per percent


class UploadCancelled(Exception):
    """Raised inside an upload's progress callback to abandon it at quit."""


class SendQueue(QObject):
    """``SendQueue(delivery, tasks)``: ``tasks`` should be the upload pool's runner."""

    # OutboxEntry: queued, a stage reached, a retry scheduled, failed for good (stage
    # FAILED, ``last_error`` says why) — everything a row shows about a send.
    entryChanged = Signal(object)
    progress = Signal(str, float)  # message id, 0..1 of the upload
    delivered = Signal(object)  # OutboxEntry, after its last entryChanged: the take is kept
    notQueued = Signal(str, str)  # message id, why it could not be written to the outbox
    messageCreated = Signal(object)  # Message as the server stored it
    # A delivery stage was confirmed by the server: whoever shows "Offline" can stop.
    serverAnswered = Signal()
    threadDelivered = Signal(object)  # Thread, a queued thread now exists on the server
    threadRefused = Signal(str, str)  # thread id, why the server will never take it
    # The server asked to wait (429/503 with Retry-After): OutboxEntry (its
    # ``next_attempt_at`` is when it goes again) and the server's words.
    serverAskedToWait = Signal(object, str)

    def __init__(
        self,
        delivery: Delivery,
        tasks: TaskRunner,
        parent: QObject | None = None,
        *,
        adopt_file: Callable[[OutboxEntry], None] | None = None,
    ) -> None:
        """``adopt_file(entry)`` runs on the worker after delivery: it takes the outbox's
        copy of the recording (e.g. into the audio cache under the render id), after which
        the delivered entry leaves the outbox."""
        super().__init__(parent)
        self._adopt_file = adopt_file
        self._delivery = delivery
        self._outbox = delivery.outbox
        self._tasks = tasks
        self._in_flight: set[str] = set()
        # Entries waiting because the server said so (not our backoff), and until when:
        # the network coming back does not send them early.
        self._held_until: dict[str, float] = {}
        self._scanning = False
        self._scan_again = False
        self._cancel = threading.Event()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.kick)

    def _submit(self, fn: Callable[..., Any], *args: Any, **callbacks: Any) -> None:
        """Work on the upload pool; its answer is dropped once this queue is deleted."""
        self._tasks.submit(fn, *args, context=self, **callbacks)

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Resume whatever a previous run left in the outbox, then keep watching."""
        self.deliver_threads()
        self.kick()

    def shutdown(self, wait_ms: int = 2000) -> None:
        """Abandon uploads in flight (they resume at the next start) and wait briefly."""
        self._timer.stop()
        self._cancel.set()
        self._tasks.wait(wait_ms)

    @property
    def scratch_dir(self) -> Path:
        """Where to prepare audio made only for sending; the outbox moves it in."""
        return self._outbox.scratch_dir

    @property
    def in_flight(self) -> set[str]:
        return set(self._in_flight)

    # -- sending -----------------------------------------------------------------------
    def send(self, draft: MessageDraft) -> OutboxEntry:
        """Queue a message. Returns at once with the entry the UI shows as pending; the
        outbox write (a file copy) and delivery happen on a worker. ``notQueued`` says
        if the outbox could not take it (a full disk); sending the same draft again
        reuses its id."""
        self._in_flight.add(draft.id)

        def work() -> OutboxEntry:
            return self._deliver(self._outbox.add(draft))

        self._submit(self._run, draft.id, work, on_done=self._finish)
        return OutboxEntry.of(draft)

    def retry(self, entry_id: str) -> None:
        """The user's Retry on a failed message."""

        def work() -> OutboxEntry | None:
            return self._delivery.retry(entry_id)

        def done(entry: OutboxEntry | None) -> None:
            if entry is not None:
                self.entryChanged.emit(entry)
                self.kick()

        self._submit(work, on_done=done)

    # -- threads made offline --------------------------------------------------------------
    def create_thread(self, name: str, users: tuple[str, ...]) -> Thread:
        """Queue a thread and try to create it. The outbox row is written here, on the
        GUI thread (one small insert), so a message sent into the thread right after can
        never reach the server before the thread does: its delivery creates the thread
        first. Raises ``OSError``/``sqlite3.Error`` if the outbox cannot take it."""
        thread = self._outbox.add_thread(name, users)
        self._deliver_thread_ids([thread.id])
        return thread

    def rename_pending_thread(self, thread_id: str, name: str) -> Thread | None:
        """Rename a thread the server does not have yet (one small write, GUI thread);
        ``None`` once it was created meanwhile — then rename it on the server."""
        return self._outbox.rename_thread(thread_id, name)

    def pending_threads(self, on_done: Callable[[list[Thread]], None]) -> None:
        """Threads still to create (read on a worker), e.g. from before a restart."""
        self._submit(self._outbox.pending_threads, on_done=on_done)

    def deliver_threads(self) -> None:
        """Try to create every queued thread (at start and when the network is back)."""
        self._submit(
            lambda: [t.id for t in self._outbox.pending_threads()],
            on_done=self._deliver_thread_ids,
        )

    def _deliver_thread_ids(self, thread_ids: list[str]) -> None:
        for thread_id in thread_ids:
            self._submit(
                self._delivery.deliver_thread,
                thread_id,
                on_done=self._on_thread_delivered,
                on_error=functools.partial(self._on_thread_failed, thread_id),
            )

    def _on_thread_delivered(self, thread: Thread | None) -> None:
        if thread is not None:
            self.serverAnswered.emit()
            self.threadDelivered.emit(thread)

    def _on_thread_failed(self, thread_id: str, exc: BaseException) -> None:
        if isinstance(exc, AuthError | TransientApiError):
            log.info("thread %s stays queued: %s", thread_id, exc)
        elif isinstance(exc, ApiError):
            self.threadRefused.emit(thread_id, exc.detail)
        else:
            log.error("creating thread %s failed unexpectedly", thread_id, exc_info=exc)

    def held_until(self, entry_id: str) -> float | None:
        """When an entry the server asked to wait for goes again (``None``: not held)."""
        until = self._held_until.get(entry_id)
        return until if until is not None and until > time.time() else None

    def network_back(self) -> None:
        """The server answers again: everything waiting for its backoff goes now — not
        what waits for the time the server itself asked for."""
        self.deliver_threads()
        held = {i for i in self._held_until if self.held_until(i) is not None}

        def work() -> None:
            for entry in self._outbox.pending():
                if entry.next_attempt_at and entry.id not in held:
                    self._outbox.save(replace(entry, next_attempt_at=0.0))

        self._submit(work, on_done=lambda _r: self.kick())

    def cancel(self, entry_id: str) -> None:
        """Forget a message that was never delivered (the user deleted it)."""
        self._submit(self._outbox.remove, entry_id)

    def entries_for(self, thread_id: str, on_done: Callable[[list[OutboxEntry]], None]) -> None:
        """Undelivered entries of a thread (read on a worker), for the list on open."""
        self._submit(
            lambda: [e for e in self._outbox.entries(thread_id) if not e.done], on_done=on_done
        )

    # -- scheduling ------------------------------------------------------------------------
    def kick(self) -> None:
        """Start every due entry that is not already in flight, and wake again when the
        next one waiting for its backoff is due."""
        if self._cancel.is_set():
            return
        if self._scanning:
            self._scan_again = True  # the scan in flight may have read before the change
            return
        self._scanning = True
        self._scan_again = False

        def scan() -> tuple[list[OutboxEntry], float | None]:
            now = time.time()
            due = self._delivery.due(now)
            waiting = [e.next_attempt_at for e in self._outbox.pending() if e.next_attempt_at > now]
            return due, (min(waiting) - now if waiting else None)

        def found(result: tuple[list[OutboxEntry], float | None]) -> None:
            self._scanning = False
            entries, wait_s = result
            for entry in entries:
                if entry.id not in self._in_flight:
                    self._start(entry)
            if wait_s is not None and not self._cancel.is_set():
                self._timer.start(min(MAX_WAIT_MS, int(wait_s * 1000) + 10))
            if self._scan_again:
                self.kick()

        def failed(exc: BaseException) -> None:
            self._scanning = False
            log.error("cannot read the outbox: %s", exc)
            self._timer.start(MAX_WAIT_MS)
            if self._scan_again:
                self.kick()

        self._submit(scan, on_done=found, on_error=failed)

    def _start(self, entry: OutboxEntry) -> None:
        self._in_flight.add(entry.id)
        self._submit(self._run, entry.id, lambda: self._deliver(entry), on_done=self._finish)

    # -- worker side -------------------------------------------------------------------
    def _run(self, entry_id: str, work: Callable[[], OutboxEntry]) -> _Outcome:
        """Every job's result, failure included, with the entry as the outbox now holds
        it — read here, on the worker, not on the GUI thread."""
        try:
            return _Outcome(entry_id, work(), None)
        except BaseException as exc:  # all of it goes back to the GUI thread
            try:
                entry = self._outbox.get(entry_id)
            except Exception:  # the outbox may be closed at shutdown
                entry = None
            return _Outcome(entry_id, entry, exc)

    def _deliver(self, entry: OutboxEntry) -> OutboxEntry:
        """Runs on a worker thread: only signals cross back to the GUI thread."""
        self.entryChanged.emit(entry)
        last = [-1.0]

        def progress(done: int, total: int) -> None:
            if self._cancel.is_set():
                raise UploadCancelled()
            fraction = done / total if total else 0.0
            # Falling back means another file began (the take after the samples).
            if fraction < last[0] or fraction - last[0] >= PROGRESS_STEP or done >= total:
                last[0] = fraction
                self.progress.emit(entry.id, fraction)

        def on_stage(current: OutboxEntry, message: Message | None) -> None:
            self.serverAnswered.emit()
            if message is not None:
                self.messageCreated.emit(message)
            self.entryChanged.emit(current)

        done = self._delivery.deliver(entry, progress=progress, on_stage=on_stage)
        if done.done and done.audio is None:
            self._outbox.remove(done.id)  # a pattern or words only: nothing left to keep
        elif self._adopt_file is not None and done.audio is not None and done.render is not None:
            try:
                self._adopt_file(done)
            except OSError as exc:
                log.warning("could not keep the recording of %s: %s", done.id, exc)
            else:
                self._outbox.remove(done.id)
        return done

    # -- GUI side ----------------------------------------------------------------------
    def _finish(self, outcome: _Outcome) -> None:
        self._in_flight.discard(outcome.entry_id)
        exc, entry = outcome.error, outcome.entry
        self._held_until.pop(outcome.entry_id, None)
        asked_to_wait = isinstance(exc, TransientApiError) and exc.retry_after is not None
        if asked_to_wait and entry is not None and not self._cancel.is_set():
            self._held_until[entry.id] = entry.next_attempt_at
        if exc is None:
            assert entry is not None
            self.entryChanged.emit(entry)
            self.delivered.emit(entry)
            return
        if isinstance(exc, UploadCancelled) or self._cancel.is_set():
            return  # quitting: the outbox resumes it at the next start
        if entry is None:  # the outbox could not take it
            log.error("could not queue message %s", outcome.entry_id, exc_info=exc)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.notQueued.emit(outcome.entry_id, f"Not saved for sending: {reason}")
            return
        self.entryChanged.emit(entry)
        if asked_to_wait:
            assert isinstance(exc, ApiError)
            self.serverAskedToWait.emit(entry, exc.detail)
        if not isinstance(exc, ApiError):
            log.error("delivery of %s failed unexpectedly", outcome.entry_id, exc_info=exc)
        self.kick()  # its backoff (and any other's) arms the timer


@dataclass(frozen=True)
class _Outcome:
    entry_id: str
    entry: OutboxEntry | None
    error: BaseException | None
