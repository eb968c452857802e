"""What the server needs from a store to keep samples: one record per file, keyed by its
SHA-256, and which messages reference which sample."""

from __future__ import annotations

from typing import Any, Protocol


class SampleStore(Protocol):
    def record_sample(
        self, doc: dict[str, Any], cap: int | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Insert unless ``doc["sha256"]`` is recorded; (the stored record, whether inserted).
        The record is ``{"sha256", "key", "format", "size_bytes", "duration",
        "created_at", "uploader", "private"}``. With ``cap`` (bytes), an insert that would
        take the uploader's renders and samples past it raises QuotaExceeded instead."""

    def get_sample(self, sha256: str) -> dict[str, Any] | None: ...
    def add_sample_refs(self, message_id: str, sha256s: list[str], at: str) -> None:
        """Record, at the ISO time ``at``, that the message references the samples (again:
        no duplicate). Done before the message is stored, so cleanup can see it coming."""

    def sample_refs(self, sha256: str) -> list[str]:
        """Ids of the messages recorded as referencing the sample (some may be deleted)."""

    def mark_sample_private(self, sha256: str) -> None:
        """The sample is referenced by a private thread's message: signed URLs from now on."""

    def add_sample_holder(self, sha256: str, user_name: str) -> None:
        """The user uploaded these bytes too (``"holders"``, no duplicate): having the file,
        they may use the sample even once a private thread made it private."""

    def samples_before(self, created_before: str) -> list[dict[str, Any]]:
        """Every sample record created before the time."""

    def delete_sample(self, sha256: str, unless_referenced_since: str | None = None) -> bool:
        """Forget the record and its references; with ``unless_referenced_since`` only when
        no reference was recorded at or after that time (one atomic step, so a message
        being created right now keeps its sample). True when deleted."""
