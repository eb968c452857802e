"""What ``ThreadsState`` needs from its collaborators, as Protocols: the API client and the
local store (both blocking, called on workers) and the sender (the server session); and
``ThreadsContext``, the same collaborators as its parts share them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from desktop_app.domain.draft import AudioFile, MessageDraft
from desktop_app.domain.message import Message, Thread
from desktop_app.services.api import MessagePage
from desktop_app.services.tasks import Submit
from desktop_app.state.connection_status import ConnectionStatus
from desktop_app.state.message_fetch import MessageCache


class ThreadsApi(Protocol):
    """The part of ``ApiClient`` this state uses (blocking, called on workers)."""

    def health(self) -> dict[str, Any]: ...
    def list_threads(self) -> list[Thread]: ...
    def create_thread(self, name: str, users: tuple[str, ...] = ()) -> Thread: ...
    def create_private_thread(self, name: str, users: tuple[str, ...]) -> Thread: ...
    def list_users(self) -> list[str]: ...
    def rename_thread(self, thread_id: str, name: str) -> Thread: ...
    def delete_message(self, message_id: str) -> dict[str, Any]: ...
    def list_messages(
        self, thread_id: str, since: str | None = None, limit: int = 500
    ) -> MessagePage: ...


class ThreadsStore(MessageCache, Protocol):
    """The part of ``LocalStore`` this state uses (blocking, called on workers): what a
    fetch writes (``MessageCache``), and the threads, reads and unread counts."""

    def list_threads(self) -> list[Thread]: ...
    def replace_threads(self, threads: list[Thread]) -> None: ...
    def upsert_threads(self, threads: list[Thread]) -> None: ...
    def delete_thread(self, thread_id: str) -> None: ...
    def list_messages(self, thread_id: str) -> list[Message]: ...
    def arrived(self, message: Message, *, unread: bool) -> bool: ...
    def unread_messages(self) -> dict[str, dict[str, tuple[str, str, str]]]: ...
    def mark_read(self, thread_id: str) -> str | None: ...
    def muted_threads(self) -> set[str]: ...
    def set_muted(self, thread_id: str, muted: bool) -> None: ...


class Sender(Protocol):
    """Where outgoing messages and threads go (``ServerSession``)."""

    def resume(self) -> None: ...
    def send(self, draft: MessageDraft) -> str: ...
    def prepare_file(
        self,
        path: Path,
        on_done: Callable[[AudioFile], None],
        on_error: Callable[[str], None],
    ) -> None: ...
    def retry(self, message_id: str) -> None: ...
    def cancel(self, message_id: str) -> None: ...
    def create_thread(self, name: str, users: tuple[str, ...]) -> Thread: ...
    def rename_pending_thread(self, thread_id: str, name: str) -> Thread | None: ...
    def show_thread(self, thread_id: str) -> None: ...
    def network_back(self) -> None: ...


@dataclass
class ThreadsContext:
    """What the parts of ``ThreadsState`` (its thread list, unread counts, own messages)
    share: ``submit`` runs work in the background with the state as context (none once
    it is closed); ``answered()`` says the server answered, ``status`` hears when it did
    not; without a ``sender`` nothing can be sent. ``user_id`` alone changes, when the
    server says who the token is mid-session (``ThreadsState.set_user_id``)."""

    api: ThreadsApi
    store: ThreadsStore | None
    user_id: str
    submit: Submit
    status: ConnectionStatus
    answered: Callable[[], None]
    sender: Sender | None

    def ask(
        self, doing: str, call: Callable[..., Any], *args: Any, on_done: Callable[..., Any]
    ) -> None:
        """``call(*args)`` on a worker, ``on_done(result)`` back here; a failure goes to
        ``status`` (which says "Could not <doing>" or goes offline)."""
        self.submit(call, *args, on_done=on_done, on_error=lambda e: self.status.failed(e, doing))
