"""SHA-256 of an upload, computed while storage reads it, so the file is read once."""

from __future__ import annotations

import hashlib
import threading
from typing import BinaryIO

CHUNK = 1024 * 1024


def sha256_of(stream: BinaryIO) -> str:
    """Hash a seekable stream from its start, leaving it at its start."""
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


class HashingReader:
    """A read-through wrapper over a seekable stream that hashes each byte the first time
    a read passes it. Storage clients may seek (boto3 measures the stream, retries re-read
    a part): bytes read again are not hashed again, and if a read ever jumps ahead of what
    was hashed, ``hexdigest`` falls back to reading the stream once more."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()
        self._hashed = 0  # bytes [0, _hashed) are in the digest
        self._gap = False
        self._lock = threading.Lock()

    def read(self, size: int = -1) -> bytes:
        with self._lock:
            pos = self._raw.tell()
            data = self._raw.read(size)
            end = pos + len(data)
            if pos > self._hashed:
                self._gap = True
            elif end > self._hashed:
                self._digest.update(memoryview(data)[self._hashed - pos :])
                self._hashed = end
            return data

    def seek(self, offset: int, whence: int = 0) -> int:
        with self._lock:
            return self._raw.seek(offset, whence)

    def tell(self) -> int:
        with self._lock:
            return self._raw.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """boto3 closes what it uploaded; the spooled upload belongs to the request."""

    def hexdigest(self, size: int) -> str:
        """The SHA-256 of the whole stream of ``size`` bytes."""
        if self._gap or self._hashed != size:
            return sha256_of(self._raw)
        return self._digest.hexdigest()
