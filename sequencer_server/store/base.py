"""What the server needs from a message store.

Documents are plain dicts shaped like the HTTP contract. Every change to a thread's
messages (create, render attached, delete) takes the next value of one global sequence, so
``GET /threads/{id}/messages?since=`` is a range scan on that number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sequencer_server.store.change_signals import ChangeSignal
from sequencer_server.store.samples_base import SampleStore
from sequencer_server.store.users_base import UserStore


@dataclass
class ChangePage:
    """Messages created or changed, and ids deleted, after a sequence number; each with
    its ``seq`` and the server time of the change in epoch milliseconds."""

    # A message is its JSON text (``str``) only when asked for undecoded (``changes``).
    messages: list[tuple[int, int, dict[str, Any] | str]] = field(default_factory=list)
    deleted: list[tuple[int, int, str]] = field(default_factory=list)
    # The page hit its limit: later changes wait for the next page.
    full: bool = False
    # The cursor was older than the deletions still remembered (tombstones are pruned
    # after a retention period), or newer than any change (the store was restored from an
    # older backup): the page starts again from the beginning, and the client must drop
    # what it holds of the thread that the new scan does not list.
    reset: bool = False


@dataclass(frozen=True)
class Change:
    """One entry of the global change sequence, for the event stream: ``kind`` is
    ``"message"`` (``doc`` is the message), ``"deleted"`` (``doc`` is ``{"id",
    "parent_thread"}``) or ``"thread"`` (``doc`` is the thread)."""

    seq: int
    changed_at: int
    kind: str
    thread_id: str
    doc: dict[str, Any]


class RenderClaimConflict(Exception):
    """The render is already attached to another message."""

    def __init__(self, message_id: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id


class MessageIdRetired(Exception):
    """The id belonged to a message that was deleted. Ids are never given to another
    message: replies point at them, and a poller that saw the deletion must not see the
    same id come back with someone else's content."""

    def __init__(self, message_id: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id


class StoreFull(Exception):
    """The store cannot write because its disk (or its size limit) is full."""


class QuotaExceeded(Exception):
    """Recording the file would take its uploader past the storage cap; ``used`` is what
    they keep already. Checked in the same atomic step as the record is written, so
    uploads racing at the cap cannot all pass a check made before any was recorded."""

    def __init__(self, used: int) -> None:
        super().__init__(used)
        self.used = used


class DuplicateUpload(Exception):
    """Another upload by the same uploader with the same idempotency key was recorded
    first."""


# Upload records from before uploaders were kept were made with the shared service token;
# their Idempotency-Keys are that token's (``users.SERVICE_NAME``).
LEGACY_UPLOADER = "service"


class MessageStore(UserStore, SampleStore, Protocol):
    name: str

    # threads
    def create_thread(self, doc: dict[str, Any]) -> dict[str, Any]: ...
    def list_threads(self) -> list[dict[str, Any]]: ...
    def get_thread(self, thread_id: str) -> dict[str, Any] | None: ...
    def update_thread(self, thread_id: str, fields: dict[str, Any]) -> dict[str, Any] | None: ...

    # messages
    def create_message(self, doc: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Insert unless the id exists; returns (the stored document, whether inserted).
        Raises MessageIdRetired for the id of a deleted message."""

    def get_message(self, message_id: str) -> dict[str, Any] | None: ...
    def attach_render(self, message_id: str, render: dict[str, Any]) -> bool:
        """Append ``render`` unless a render with its id is attached; True if appended."""

    def delete_message(self, message_id: str) -> dict[str, Any] | None: ...
    def changes(
        self, thread_id: str, since: int, limit: int, *, decoded: bool = True
    ) -> ChangePage:
        """Not ``decoded``: a store may leave a message as the JSON text it keeps (a
        ``str`` in ``ChangePage.messages``), for a reader that decodes only what it uses
        (a page cut by size keeps a few hundred of the thousand read)."""

    def cursor(self) -> int:
        """The newest sequence number handed out (0 for an empty store)."""

    def pruned_through(self) -> int:
        """The newest sequence number whose deletion may be forgotten: a cursor below it
        cannot be replayed without a gap."""

    def change_signal(self) -> ChangeSignal:
        """How the event broker learns cheaply that there may be new changes."""

    def changes_after(self, since: int, limit: int) -> list[Change]:
        """Changes of every thread (messages, deletions, threads) after ``since``, in
        sequence order, at most ``limit``."""

    def prune_tombstones(self, older_than_ms: int) -> int:
        """Forget deletions older than the epoch-ms time; returns how many. Cursors from
        before the forgotten range get ``ChangePage.reset`` instead of a silent gap."""

    # uploads: the server's record of every file it stored
    def record_upload(self, doc: dict[str, Any], cap: int | None = None) -> None:
        """Raises DuplicateUpload when ``doc["uploader"]`` already recorded an upload under
        ``doc["idempotency_key"]``, and QuotaExceeded when ``cap`` (bytes) is given and the
        uploader's renders and samples with this one would be more."""

    def get_upload(self, render_id: str) -> dict[str, Any] | None: ...
    def find_upload(self, uploader: str, idempotency_key: str) -> dict[str, Any] | None:
        """The upload ``uploader`` already made with this ``Idempotency-Key``, if any. Keys
        are the uploader's own: clients derive them from ids other users see."""

    def claim_upload(self, render_id: str, message_id: str) -> None:
        """Mark the upload as attached to ``message_id``; raises RenderClaimConflict when it
        belongs to another message."""

    def uploads_for_message(self, message_id: str) -> list[dict[str, Any]]: ...
    def delete_upload(self, render_id: str) -> None: ...
    def unattached_uploads(self, created_before: str) -> list[dict[str, Any]]: ...
    def uploads_before(self, created_before: str) -> list[dict[str, Any]]:
        """Every upload record created before the time, attached or not."""

    def bytes_stored_by(self, user_name: str) -> int:
        """The sizes of the renders and samples ``user_name`` uploaded, added up (read
        from an index or a running total: it is asked at every upload)."""

    def ping(self) -> None: ...
    def close(self) -> None: ...
