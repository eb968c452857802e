"""What this user does with their own messages in the open thread: send a pattern, a take,
words or a dropped audio file, retry a failed send, delete one.

Kept apart from ``ThreadsState`` because the send path changes for reasons of its own (the
outbox, drafts, what may be deleted) while the state around it lists threads and loads
messages. Sending hands a ``MessageDraft`` to the ``Sender`` (the server session), which
shows the row and delivers it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from desktop_app.domain.draft import (
    MAX_TEXT,
    AudioFile,
    Take,
    draft_with_audio,
    draft_with_audio_file,
    draft_with_text,
)
from desktop_app.domain.message import Message
from desktop_app.services.api import NotFoundError
from desktop_app.state.open_thread import OpenThread
from desktop_app.state.threads_ports import Sender, ThreadsContext


class Rows(Protocol):
    """Where rows go up and come down (``ThreadsState``: the model and the local cache)."""

    def upsert_message(self, message: Message, *, pending: bool = False, **row: Any) -> None: ...

    def remove_message(self, message_id: str) -> None: ...


class OwnMessages:
    """``OwnMessages(context, open_thread, rows, error)``: ``error(sentence)`` for what
    cannot be done."""

    def __init__(
        self,
        context: ThreadsContext,
        open_thread: OpenThread,
        rows: Rows,
        error: Callable[[str], None],
    ) -> None:
        self._ctx = context
        self._open = open_thread
        self._rows = rows
        self._error = error

    @property
    def can_send(self) -> bool:
        return self._ctx.sender is not None

    def send_pattern(
        self, snapshot: dict[str, Any], take: Take | None, text: str, reply_to: str
    ) -> str:
        """The pattern (and the take and words) into the open thread. Returns its id."""
        sender = self._sending_to()
        return sender.send(
            draft_with_audio(
                self._open.thread_id, self._ctx.user_id, snapshot, take,
                text=_checked_text(text), reply_to=reply_to,
            )
        )  # fmt: skip

    def send_text(self, text: str, reply_to: str) -> str:
        """Words only (no pattern): through the outbox like any other message."""
        sender = self._sending_to()
        words = _checked_text(text)
        if not words:
            raise ValueError("nothing to send")
        return sender.send(
            draft_with_text(self._open.thread_id, self._ctx.user_id, words, reply_to)
        )

    def _sending_to(self) -> Sender:
        if self._ctx.sender is None:
            raise RuntimeError("this ThreadsState was built without a sender")
        if not self._open.thread_id:
            raise RuntimeError("no thread is open")
        return self._ctx.sender

    def send_audio_file(self, path: Path, snapshot: dict[str, Any] | None) -> None:
        """A dropped audio file sent as soon as it is made sendable (on a worker), into
        the thread open now."""
        if self._ctx.sender is None or not self._open.thread_id:
            self._error("Open a thread to drop audio into it.")
            return
        sender, thread_id = self._ctx.sender, self._open.thread_id

        def prepared(audio: AudioFile) -> None:
            sender.send(
                draft_with_audio_file(thread_id, self._ctx.user_id, path.name, audio, snapshot)
            )

        sender.prepare_file(path, prepared, self._error)

    def prepare_audio_file(
        self, path: Path, on_done: Callable[[AudioFile], None], on_error: Callable[[str], None]
    ) -> None:
        """Read a dropped file once, on a worker, for ``send_prepared_audio`` to send."""
        if self._ctx.sender is None:
            on_error("Sending is not available, so audio files cannot be attached.")
            return
        self._ctx.sender.prepare_file(path, on_done, on_error)

    def send_prepared_audio(self, filename: str, audio: AudioFile) -> str:
        """A file ``prepare_audio_file`` made sendable, as its own message in the open
        thread; returns its id."""
        sender = self._sending_to()
        return sender.send(
            draft_with_audio_file(self._open.thread_id, self._ctx.user_id, filename, audio)
        )

    def retry(self, message_id: str) -> None:
        if self._ctx.sender is not None:
            self._ctx.sender.retry(message_id)

    def is_deletable(self, message_id: str) -> bool:
        message = self._open.model.message(message_id)
        return message is not None and message.user_id == self._ctx.user_id

    def delete(self, message_id: str) -> None:
        """Delete one's own message: the row goes at once; the server removes the message
        and its files. A message still in the outbox is taken out of it too."""
        message = self._open.model.message(message_id)
        if message is None or not self.is_deletable(message_id):
            return
        if self._ctx.sender is not None:
            self._ctx.sender.cancel(message_id)
        self._rows.remove_message(message_id)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, NotFoundError):
                return  # never reached the server, or already gone: nothing to undo
            self._ctx.status.failed(exc, "delete the message")
            if message.parent_thread == self._open.thread_id:
                self._rows.upsert_message(message)  # put it back: it still exists

        self._ctx.submit(
            self._ctx.api.delete_message, message_id, on_done=lambda _r: None, on_error=failed
        )


def _checked_text(text: str) -> str:
    """Words as sent: trimmed; more than the server takes is refused here, in words."""
    words = text.strip()
    if len(words) > MAX_TEXT:
        raise ValueError(f"A message holds at most {MAX_TEXT:,} characters ({len(words):,} typed)")
    return words
