"""What the outbox looks like in the message list.

Turns the send queue's signals into row states of ``ThreadsState``'s model — pending while
queued or waiting for the network, "Uploading audio… NN%" while the upload runs, failed
with the reason, and finally a playable message — and prepares dropped audio files.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from desktop_app.domain.message import Message, Render, Thread
from desktop_app.domain.metadata import snapshot_metadata
from desktop_app.services.outbox import AudioFile, OutboxEntry, Stage
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.send_queue import SendQueue

if TYPE_CHECKING:
    from desktop_app.state.threads_state import ThreadsState

log = logging.getLogger(__name__)

AUDIO_SNAPSHOT_FORMAT = "sequencer.audio"


_FAILED_STEP = {
    Stage.QUEUED: "Could not post the message",
    Stage.CREATED: "Could not upload the recording",
    Stage.UPLOADED: "Could not attach the recording",
}


def failure_text(entry: OutboxEntry) -> str:
    """What a failed row says: the step that failed, then the server's reason — a message
    without audio never uploads anything, so "Upload failed" would send the user looking
    for a problem with a file that does not exist."""
    step = _FAILED_STEP.get(entry.failed_stage or Stage.QUEUED, "Could not send the message")
    return f"{step} — {entry.last_error}" if entry.last_error else step


class OutboxRows(QObject):
    def __init__(self, threads: ThreadsState, queue: SendQueue, tasks: TaskRunner) -> None:
        super().__init__(threads)
        self._threads = threads
        self._queue = queue
        self._tasks = tasks
        self._entries: dict[str, OutboxEntry] = {}
        self._messages: dict[str, Message] = {}  # the server's copy, once created
        self._unqueued: set[str] = set()  # sends the outbox could not take (full disk)
        queue.entryChanged.connect(self._on_entry)
        queue.progress.connect(self._on_progress)
        queue.messageCreated.connect(self._on_created)
        queue.delivered.connect(self._on_entry)
        queue.failed.connect(self._on_entry)
        queue.notQueued.connect(self._on_not_queued)
        queue.serverAnswered.connect(threads.server_answered)
        queue.threadDelivered.connect(threads.thread_delivered)
        queue.threadRefused.connect(threads.thread_refused)

    # -- actions -----------------------------------------------------------------------
    def send(self, thread_id: str, snapshot: dict[str, Any], recording: Any = None) -> str:
        audio = None
        if recording is not None:
            audio = AudioFile(
                path=Path(recording.mp3_path),
                bitrate=recording.bitrate,
                duration=recording.duration,
                peaks=tuple(recording.peaks) if recording.peaks else None,
            )
        return self._queue_send(thread_id, snapshot, audio)

    def _queue_send(self, thread_id: str, snapshot: dict[str, Any], audio: AudioFile | None) -> str:
        meta = snapshot_metadata(snapshot, audio.duration if audio else None)
        entry = self._queue.send(
            thread_id, self._threads.user_id, snapshot, snapshot_metadata=meta, audio=audio
        )
        self._on_entry(entry)
        return entry.id

    def send_file(self, thread_id: str, path: Any, snapshot: dict[str, Any] | None) -> None:
        from desktop_app.services.dropped_audio import DroppedAudioError, prepare_dropped_audio

        source = Path(path)
        work_dir = self._queue_work_dir()

        def done(audio: AudioFile) -> None:
            snap = snapshot or {
                "format": AUDIO_SNAPSHOT_FORMAT,
                "version": "0.0.1",
                "filename": source.name,
            }
            self._queue_send(thread_id, snap, audio)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, DroppedAudioError):
                self._threads.error.emit(str(exc))
            else:
                log.error("could not prepare %s", source, exc_info=exc)
                self._threads.error.emit(f"Could not send {source.name}: {exc}")

        self._tasks.submit(prepare_dropped_audio, source, work_dir, on_done=done, on_error=failed)

    def _queue_work_dir(self) -> Path:
        return self._queue.scratch_dir

    def retry(self, message_id: str) -> None:
        entry = self._entries.get(message_id)
        if message_id in self._unqueued and entry is not None:
            self._unqueued.discard(message_id)
            again = self._queue.send(
                entry.thread_id,
                entry.user_id,
                entry.snapshot,
                snapshot_metadata=entry.snapshot_metadata,
                audio=entry.audio,
                message_id=message_id,
            )
            self._apply(replace(again, timestamp=entry.timestamp))
            return
        if entry is not None:
            self._apply(replace(entry, stage=entry.failed_stage or Stage.QUEUED, last_error=None))
        self._queue.retry(message_id)

    def cancel(self, message_id: str) -> None:
        if self._entries.pop(message_id, None) is not None:
            self._queue.cancel(message_id)

    def create_thread(self, name: str, users: tuple[str, ...]) -> Thread:
        return self._queue.create_thread(name, users)

    def rename_pending_thread(self, thread_id: str, name: str) -> Thread | None:
        return self._queue.rename_pending_thread(thread_id, name)

    def start(self) -> None:
        self._queue.pending_threads(self._threads.threads_queued)
        self._queue.start()

    def network_back(self) -> None:
        self._queue.network_back()

    def show_thread(self, thread_id: str) -> None:
        """Put the thread's undelivered outbox entries (e.g. from before a restart) up."""

        def found(entries: list[OutboxEntry]) -> None:
            for entry in entries:
                self._on_entry(entry)

        self._queue.entries_for(thread_id, found)

    # -- queue signals -----------------------------------------------------------------
    def _on_not_queued(self, message_id: str, reason: str) -> None:
        entry = self._entries.get(message_id)
        if entry is None:
            return
        self._unqueued.add(message_id)
        self._threads.sendStatus.emit(message_id, "failed")
        why = f"Could not save the message for sending — {reason}"
        self._threads.upsert_message(self._message_for(entry), upload_error=why)
        self._threads.error.emit(f"The message could not be saved for sending. {reason}")

    def _on_created(self, message: Message) -> None:
        self._messages[message.id] = message
        self._threads.thread_has_message_on_server(message.parent_thread)

    def _on_progress(self, message_id: str, fraction: float) -> None:
        entry = self._entries.get(message_id)
        if entry is not None and entry.stage in (Stage.CREATED, Stage.UPLOADED):
            self._threads.upsert_message(self._message_for(entry), upload_progress=fraction)

    def _on_entry(self, entry: OutboxEntry) -> None:
        self._apply(entry)

    def _apply(self, entry: OutboxEntry) -> None:
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
        elif entry.stage == Stage.CREATED and entry.id in self._queue.in_flight:
            row = self._threads.messages.row_state(entry.id)
            progress = row.upload_progress if row and row.upload_progress is not None else 0.0
            state = {"upload_progress": progress}
        else:
            state = {"pending": True, "take": _take_of(entry)}
        self._threads.upsert_message(message, **state)
        self._threads.sendStatus.emit(entry.id, _send_status(entry))

    def _message_for(self, entry: OutboxEntry) -> Message:
        base = self._messages.get(entry.id) or entry.as_message()
        if entry.stage == Stage.ATTACHED and entry.render is not None:
            return base.with_render(entry.render)
        return base


def _send_status(entry: OutboxEntry) -> str:
    if entry.stage == Stage.FAILED:
        return "failed"
    if entry.stage == Stage.ATTACHED:
        return "sent"
    # A transient failure left its reason and a time to try again: the server is away.
    return "waiting" if entry.last_error else "queued"


def _take_of(entry: OutboxEntry) -> Render | None:
    """The queued take as the row's stand-in render: its length and waveform. Nothing of
    it goes to the server or the local store; playback finds the file by message id."""
    audio = entry.audio
    if audio is None:
        return None
    try:
        # One look at the file, not "exists?" then "how big?": a dropped file's encoded
        # copy is moved into the outbox by the send worker at any moment after queuing.
        size = audio.path.stat().st_size
    except OSError:
        return None  # moved (the outbox's copy shows once it is delivered) or gone
    return Render(
        id=f"take-{entry.id}",
        url=audio.path.as_uri(),
        bitrate=audio.bitrate,
        duration=audio.duration,
        size_bytes=size,
        peaks=audio.peaks,
    )
