"""What the server needs from object storage: put a stream, delete a key, say its URL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol


class StorageError(RuntimeError):
    """Storage refused or failed; ``code`` is the backend's error code when it has one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class StorageFull(StorageError):
    """The storage's disk is full (ENOSPC): the server answers 507, not a generic 500."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="ENOSPC")


class Stream(Protocol):
    """What ``put`` reads: a seekable binary stream (a spooled upload, or a wrapper that
    hashes it on the way)."""

    def read(self, size: int = -1, /) -> bytes: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def tell(self) -> int: ...


@dataclass(frozen=True)
class StoredObject:
    """One object found by listing storage: for cleanup, which compares them with the
    upload records, and removes what no record owns."""

    key: str
    size: int
    modified: datetime  # timezone-aware


class Storage(Protocol):
    name: str

    def put(self, key: str, stream: Stream, size: int, content_type: str) -> None:
        """Store ``size`` bytes read from ``stream`` under ``key``, without reading it whole."""

    def delete(self, key: str) -> None:
        """Remove ``key``; an already missing object is not an error."""

    def url_for(self, key: str, request_base_url: str) -> str:
        """The public URL of ``key``. Local storage builds it from the request so the
        embedded server's URLs stay right when its port changes between runs."""

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        """An expiring URL that reads ``key`` without the public ACL (S3), or None when
        the server signs its own ``/media`` URLs (local storage)."""

    def make_private(self, key: str) -> None:
        """Take away public read access to ``key`` (its render joined a private thread)."""

    def local_path(self, key: str) -> Path | None:
        """The file behind ``key`` when this storage serves ``/media`` itself."""

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object under ``prefix``, including half-written temporary files."""

    def discard_incomplete(self, prefix: str, before: datetime) -> int:
        """Abandon writes under ``prefix`` begun before ``before`` that never finished and
        are not listed as objects (S3 multipart uploads of a killed process); how many."""

    def check(self) -> None:
        """Raise when the storage cannot be reached (``/readyz``); cheap, writes nothing."""


def delete_unrecorded(storage: Storage, key: str, what: str) -> None:
    """Delete a stored file whose record was refused or failed: no record points at it, so
    cleanup would never find it, and a failure here is logged as the only trace of it."""
    try:
        storage.delete(key)
    except StorageError:
        logging.getLogger("sequencer_server.storage").error(
            "⚠️  Failed to delete %s from storage: %s", what, key
        )
