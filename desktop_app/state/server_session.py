"""Everything this client holds for one server, opened and closed as a unit.

A ``ServerSession`` owns the connection, the local store (what was last seen, for
starting offline), the outbox with its send queue and upload pool, and the
``ThreadsState`` the UI binds to. Switching server (or user) is ``close()`` on the old
session and ``open()`` + ``start()`` on a new one: nothing of the old one can reach the
new one, because every background answer is addressed to the object that asked, and a
closed session's objects drop what still arrives.

It is also the send path: ``send(draft)`` shows the message pending at once and hands it
to the send queue (outbox write, then create → upload → attach on the upload pool); the
queue's reports come back here and become the row's state in the open thread's list.
``delivered`` is the one signal out of it, for whoever keeps the delivered take.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from desktop_app.domain.draft import MessageDraft
from desktop_app.domain.message import Message, Thread
from desktop_app.services.delivery import Delivery
from desktop_app.services.local_store import LocalStore
from desktop_app.services.outbox import AudioFile, Outbox, OutboxEntry, SampleLookup, Stage
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.connection_status import RETRY_DELAYS
from desktop_app.state.learned_identity import LearnedIdentity
from desktop_app.state.live_events import LiveEvents
from desktop_app.state.outbox_rows import HELD, failure_text, held_text, send_status, take_of
from desktop_app.state.polled_arrivals import PolledArrivals
from desktop_app.state.render_fetcher import recordings_in
from desktop_app.state.send_queue import SendQueue
from desktop_app.state.session_parts import Connection, SessionFiles, TakeKeeper, ThreadMemory
from desktop_app.state.threads_state import ThreadsState

log = logging.getLogger(__name__)

UPLOAD_THREADS = 2
THREAD_POLL_MS = 30_000
THREAD_POLL_PUSHED_MS = 300_000  # the server pushes thread changes: a slow safety poll


class ServerSession(QObject):
    """``open()`` builds the parts (no network yet), ``start()`` goes online,
    ``close()`` ends it. ``memory`` set: the last open thread reopens on start."""

    delivered = Signal(object)  # OutboxEntry: the render is attached, the take adopted

    def __init__(
        self,
        connection: Connection,
        user_id: str,
        files: SessionFiles,
        tasks: TaskRunner,
        *,
        keep_take: TakeKeeper | None = None,
        memory: ThreadMemory | None = None,
        samples: SampleLookup | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        thread_poll_ms: int = THREAD_POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.connection = connection
        self.user_id = user_id
        self._files = files
        self._tasks = tasks
        self._keep_take = keep_take
        self._memory = memory
        self._samples = samples  # where queuing finds the files of a pattern's own samples
        self._retry_delays = tuple(retry_delays)
        self._thread_poll = QTimer(self)
        self._thread_poll.setInterval(thread_poll_ms)
        self._thread_poll_ms = thread_poll_ms
        self._thread_poll.timeout.connect(self._poll_threads)
        self._opened_initial_thread = False
        self._closed = False
        self._closer: threading.Thread | None = None
        self._entries: dict[str, OutboxEntry] = {}
        self._messages: dict[str, Message] = {}  # the server's copy, once created
        self._unqueued: set[str] = set()  # sends the outbox could not take (full disk)

    # ---- lifecycle ---------------------------------------------------------------------
    def open(self) -> ThreadsState:
        """Open the store and the outbox and build the states on them."""
        api = self.connection.api
        store_path = self._files.store
        self.local_store: LocalStore | None = None
        if store_path is not None:
            store_path.parent.mkdir(parents=True, exist_ok=True)
            self.local_store = LocalStore(store_path)
        self.outbox = Outbox(self._files.outbox_db, self._files.outbox_dir, samples=self._samples)
        # Its own upload pool: uploads never queue behind reads, and closing knows
        # exactly which workers may still hold the outbox.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(UPLOAD_THREADS)
        self.uploads = TaskRunner(self._pool)
        adopt = self._adopt_take if self._keep_take is not None else None
        # Every message goes out under the token's user (a stale name is re-stamped).
        known = self.connection.user_name
        self._identity = LearnedIdentity(api, known, self._files.identity, self._tasks, self)
        self._identity.learned.connect(self._on_identity)  # "you" follows the server's name
        delivery = Delivery(api, self.outbox, identity=self._identity.identity)
        queue = SendQueue(delivery, self.uploads, self, adopt_file=adopt)
        self.queue = queue
        self.threads = ThreadsState(
            api,
            self._tasks,
            self.user_id,
            self.local_store,
            self,
            retry_delays=self._retry_delays,
            sender=self,
        )
        queue.entryChanged.connect(self._apply)
        queue.delivered.connect(self.delivered)
        queue.progress.connect(self._on_progress)
        queue.messageCreated.connect(self._on_created)
        queue.notQueued.connect(self._on_not_queued)
        queue.serverAnswered.connect(self.threads.server_answered)
        queue.serverAnswered.connect(self._learn_identity)  # a delivery may have asked
        queue.threadDelivered.connect(self.threads.thread_delivered)
        queue.threadRefused.connect(self.threads.thread_refused)
        # (the status line says why a message waits and when it goes)
        queue.serverAskedToWait.connect(lambda e, why: self.threads.error.emit(held_text(e, why)))
        # The server's events, when it offers them; polling otherwise (and while lost).
        self.live = LiveEvents(api, self._submit_live, self, cursor=self.local_store)
        self.live.received.connect(self._on_event)
        self.live.streamingChanged.connect(self._on_streaming)
        # Without events, others' messages in threads not open are found by polling.
        self.arrivals = PolledArrivals(api, self.threads, self._submit_live, self)
        self.threads.threadsChanged.connect(self.arrivals.threads_changed)
        self.live.offerKnown.connect(lambda offered: self.arrivals.set_active(not offered))
        self.threads.connectionChanged.connect(self._on_connection)
        if self._memory is not None:
            self.threads.threadsChanged.connect(self._open_initial_thread)
            self.threads.currentThreadChanged.connect(self._remember_thread)
        return self.threads

    def start(self) -> None:
        """Show what was saved, ask the server, resume the outbox, keep polling."""
        self.threads.start_live_sync()
        self.threads.start()
        self._thread_poll.start()
        self.live.start()
        self._learn_identity()
        self.threads.connectionChanged.connect(self._learn_identity)

    def _learn_identity(self, *_changed: object) -> None:
        if not self._closed and self.threads.is_connected:  # when the server answers
            self._identity.ask()

    def _on_identity(self, name: str) -> None:
        if self._closed or not name or name == self.user_id:
            return
        log.info("the server knows this token as %r (it was %r here)", name, self.user_id)
        self.user_id = name
        self.connection.user_name = name
        self.threads.set_user_id(name)

    def close(self, *, wait_ms: int = 0, close_connection: bool = True) -> None:
        """End the session; never raises, whatever is in flight. Uploads in flight are
        abandoned (they resume when this server's session is opened again). With
        ``wait_ms`` (quitting) it waits that long for the workers and closes everything
        before returning; without, the files close on a helper thread once the upload
        workers let go of them, the GUI goes on at once, and the session object deletes
        itself once they are closed."""
        if self._closed:
            return
        self._closed = True
        self._thread_poll.stop()
        self.live.close()
        self.threads.close()
        self.queue.blockSignals(True)  # reports from workers still running go nowhere
        self.queue.shutdown(wait_ms=wait_ms)
        store, outbox = self.local_store, self.outbox
        connection = self.connection if close_connection else None
        pool, tasks = self._pool, self._tasks

        def close_files() -> None:
            # Workers still reading or writing these files finish first (their answers
            # go nowhere); then they close.
            pool.waitForDone(wait_ms or -1)
            if not tasks.wait(wait_ms or -1):
                log.warning("background tasks still running at exit")
            for part in (outbox, store, connection):
                if part is not None:
                    try:
                        part.close()
                    except Exception:  # closing must not fail the switch or the quit
                        log.warning("could not close %r", part, exc_info=True)

        def close_files_then_delete() -> None:
            close_files()
            # Thread-safe: the GUI thread deletes it, pool included. RuntimeError: it is
            # already gone with its parent (the app quit meanwhile).
            with contextlib.suppress(RuntimeError):
                self.deleteLater()

        if wait_ms:
            close_files()
        else:
            self._closer = threading.Thread(
                target=close_files_then_delete, name="close-session", daemon=True
            )
            self._closer.start()
            # Switching: the old states go; answers still on their way are dropped with
            # them (TaskRunner's context). At quit the whole graph goes anyway.
            self.threads.deleteLater()
            self.queue.deleteLater()
        log.info("closed the session with %s", self.connection.label)

    def wait_closed(self, timeout: float | None = None) -> bool:
        """For tests and quitting: the files are closed (True) or still closing."""
        closer = self._closer
        if closer is not None:
            closer.join(timeout)
            return not closer.is_alive()
        return self._closed

    @property
    def is_closed(self) -> bool:
        return self._closed

    # ---- the open thread at start, and the thread list ---------------------------------
    def _open_initial_thread(self) -> None:
        """Reopen the thread that was open at the last quit (or the newest one) once the
        thread list first arrives."""
        threads = self.threads
        if self._closed or self._opened_initial_thread or threads.current_thread_id:
            return  # closed: a thread list answered during shutdown opens nothing
        if not threads.threads:
            return
        self._opened_initial_thread = True
        remembered = self._memory.last_thread_id if self._memory is not None else ""
        found = threads.thread_by_id(remembered) is not None
        threads.open_thread(remembered if found else threads.threads[0].id)

    def _remember_thread(self, thread_id: str) -> None:
        # After shutdown's last write a remembered thread would stay in QSettings' memory
        # and be written when it is destroyed: into a folder that may be gone by then
        # (the smoke test's temporary home came back holding settings.ini).
        if thread_id and self._memory is not None and not self._closed:
            self._memory.last_thread_id = thread_id

    # ---- the server's events ----------------------------------------------------------
    def _submit_live(self, fn: Callable[..., object], *args: Any, **callbacks: Any) -> None:
        if not self._closed:
            self._tasks.submit(fn, *args, context=self.live, **callbacks)

    def _on_connection(self, _text: str) -> None:
        # Not reachable at start: ask for its features once it answers (the signal
        # carries the status's words, not its state).
        if self.threads.is_connected and not self._closed:
            self.live.start()

    def _on_streaming(self, streaming: bool) -> None:
        """Open: the fast polling stops, and one fetch catches what came before the stream
        began (afterwards ``Last-Event-ID`` brings every change exactly once). Lost: polling
        takes over until it is back."""
        if self._closed:
            return
        self.threads.set_pushed(streaming)
        self._thread_poll.setInterval(
            max(THREAD_POLL_PUSHED_MS, self._thread_poll_ms) if streaming else self._thread_poll_ms
        )
        if streaming:
            self.threads.refresh_threads()
            self.threads.refresh_messages()

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if self._closed:
            return
        try:
            if kind == "message":
                self.threads.message_pushed(Message.from_json(data))
            elif kind == "deleted":
                self.threads.message_deleted(str(data["id"]))
            elif kind == "thread":
                self.threads.thread_pushed(Thread.from_json(data))
            elif kind == "reset":  # the server cannot replay the changes since our cursor
                log.info("the server's events were reset (%s): reloading", data.get("reason"))
                self.threads.reload()
        except (KeyError, TypeError, ValueError):
            log.warning("an event %r the client does not understand: %r", kind, data)

    def _poll_threads(self) -> None:
        if self.threads.is_connected:
            self.threads.refresh_threads()

    def show_thread(self, thread_id: str) -> None:
        """The thread was opened: put its undelivered outbox entries (e.g. from before a
        restart) up."""

        def found(entries: list[OutboxEntry]) -> None:
            for entry in entries:
                self._apply(entry)

        self.queue.entries_for(thread_id, found)

    def open_new_thread(self, thread_id: str) -> None:
        """A thread made elsewhere (the first run's Welcome): list it and open it."""
        self.threads.refresh_threads()
        self.threads.open_thread(thread_id)
        # If the thread list raced ahead and opened the thread before its message
        # existed, open_thread was a no-op: ask for what changed since.
        self.threads.refresh_messages()

    def own_recording(self, message_id: str) -> Path | None:
        """The sender's take of a message still in the outbox: played from there, never
        downloaded (and never evicted, since the cache does not hold it yet)."""
        return recordings_in(self._files.outbox_dir)(message_id)

    # ---- sending (ThreadsState's Sender) -----------------------------------------------
    def resume(self) -> None:
        """Resume what a previous run left in the outbox, threads first."""
        self.queue.pending_threads(self.threads.threads_queued)
        self.queue.start()

    def send(self, draft: MessageDraft) -> str:
        """Show the message pending at once and queue it; returns its id."""
        self._apply(self.queue.send(draft))
        return draft.id

    def prepare_file(
        self,
        path: Path,
        on_done: Callable[[AudioFile], None],
        on_error: Callable[[str], None],
    ) -> None:
        """A dropped audio file made sendable on a worker (``prepare_dropped_audio``): its
        length and waveform read once, a WAV encoded to MP3 in the outbox's scratch
        folder (which the outbox moves in at Send); ``on_error`` hears in words why it
        cannot be sent."""
        from desktop_app.services.dropped_audio import DroppedAudioError, prepare_dropped_audio

        source = Path(path)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, DroppedAudioError):
                on_error(str(exc))
            else:
                log.error("could not prepare %s", source, exc_info=exc)
                on_error(f"Could not read {source.name}: {exc}")

        self._tasks.submit(
            prepare_dropped_audio,
            source,
            self.queue.scratch_dir,
            on_done=on_done,
            on_error=failed,
            context=self.threads,
        )

    def retry(self, message_id: str) -> None:
        entry = self._entries.get(message_id)
        if message_id in self._unqueued and entry is not None:
            self._unqueued.discard(message_id)
            again = self.queue.send(entry.draft)
            self._apply(replace(again, timestamp=entry.timestamp))
            return
        if entry is not None:
            self._apply(replace(entry, stage=entry.failed_stage or Stage.QUEUED, last_error=None))
        self.queue.retry(message_id)

    def cancel(self, message_id: str) -> None:
        if self._entries.pop(message_id, None) is not None:
            self.queue.cancel(message_id)

    def create_thread(self, name: str, users: tuple[str, ...]) -> Thread:
        return self.queue.create_thread(name, users)

    def rename_pending_thread(self, thread_id: str, name: str) -> Thread | None:
        return self.queue.rename_pending_thread(thread_id, name)

    def network_back(self) -> None:
        self.queue.network_back()

    def _adopt_take(self, entry: OutboxEntry) -> None:
        """Delivered (on the upload worker): the take becomes the render's cache entry, so
        the sender never downloads their own recording."""
        assert self._keep_take is not None and entry.render is not None
        assert entry.audio is not None
        self._keep_take.adopt(entry.render.id, entry.audio.path)

    # ---- the queue's reports, as rows ----------------------------------------------------
    def _on_not_queued(self, message_id: str, reason: str) -> None:
        entry = self._entries.get(message_id)
        if entry is None or self._closed:
            return
        self._unqueued.add(message_id)
        self.threads.sendStatus.emit(message_id, "failed")
        why = f"Could not save the message for sending — {reason}"
        self.threads.upsert_message(self._message_for(entry), upload_error=why)
        self.threads.error.emit(f"The message could not be saved for sending. {reason}")

    def _on_created(self, message: Message) -> None:
        if self._closed:
            return
        self._messages[message.id] = message
        self.threads.thread_has_message_on_server(message.parent_thread)

    def _on_progress(self, message_id: str, fraction: float) -> None:
        entry = self._entries.get(message_id)
        if (
            entry is not None
            and not self._closed
            and entry.stage in (Stage.CREATED, Stage.UPLOADED)
        ):
            self.threads.upsert_message(self._message_for(entry), upload_progress=fraction)

    def _apply(self, entry: OutboxEntry) -> None:
        if self._closed:
            return
        if entry.done:
            self._entries.pop(entry.id, None)
            self._messages.pop(entry.id, None)
        else:
            self._entries[entry.id] = entry
        message = self._message_for(entry)
        state: dict[str, Any]
        if entry.stage == Stage.FAILED:
            state = {"upload_error": failure_text(entry)}
        elif entry.stage == Stage.ATTACHED:
            state = {}
        elif entry.stage == Stage.UPLOADED:
            state = {"upload_progress": 1.0}
        elif entry.stage == Stage.CREATED and entry.id in self.queue.in_flight:
            row = self.threads.messages.row_state(entry.id)
            progress = row.upload_progress if row and row.upload_progress is not None else 0.0
            state = {"upload_progress": progress}
        else:
            state = {"pending": True, "take": take_of(entry)}
        self.threads.upsert_message(message, **state)
        held = self.queue.held_until(entry.id) is not None and entry.stage != Stage.FAILED
        self.threads.sendStatus.emit(entry.id, HELD if held else send_status(entry))

    def _message_for(self, entry: OutboxEntry) -> Message:
        base = self._messages.get(entry.id) or entry.as_message()
        if entry.stage == Stage.ATTACHED and entry.render is not None:
            return base.with_render(entry.render)
        return base
