"""Renders in a folder of the data dir, served by the server itself at ``/media/{key}``."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sequencer_common.atomic import atomic_write
from sequencer_server.private_files import DIR_MODE
from sequencer_server.storage.base import StorageError, StorageFull, StoredObject, Stream

CHUNK = 1024 * 1024


class LocalStorage:
    name = "local"

    def __init__(self, root: Path, public_base_url: str | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        self.public_base_url = public_base_url

    def _path(self, key: str) -> Path:
        """The file of ``key``, which must be spelled exactly as stored: the privacy checks
        compare keys as strings, so ``a//b``, ``a/./b`` or ``a/b/`` (which open the same
        file) would be judged someone else's public key and serve a private file."""
        parts = PurePosixPath(key).parts
        if not parts or any(p in ("..", "") or p.startswith("/") for p in parts):
            raise StorageError(f"invalid key {key!r}")
        if "/".join(parts) != key:
            raise StorageError(f"key not in its stored form: {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, stream: Stream, size: int, content_type: str) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            # Written under a temporary name and renamed, so a crash or a full disk never
            # leaves a truncated file at a key that a record points to.
            with atomic_write(target, unique_prefix=".upload-", fsync=True) as out:
                shutil.copyfileobj(stream, out, CHUNK)
        except OSError as exc:
            detail = f"cannot write {key}: {exc.strerror or exc}"
            if exc.errno == errno.ENOSPC:
                raise StorageFull(detail) from exc
            raise StorageError(detail, code="OSError") from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot delete {key}: {exc.strerror or exc}") from exc

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Files under ``prefix`` (a folder path ending in ``/``), the ``.upload-*.part``
        files a killed write left behind included."""
        top = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if not top.is_dir():
            return
        for dirpath, _dirs, files in os.walk(top):
            for name in files:
                path = Path(dirpath, name)
                try:
                    st = path.stat()
                except FileNotFoundError:  # removed meanwhile
                    continue
                key = path.relative_to(self.root).as_posix()
                yield StoredObject(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    def discard_incomplete(self, prefix: str, before: datetime) -> int:
        """Nothing to do: a killed write's ``.upload-*.part`` is listed like any file."""
        return 0

    def check(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError("the media folder is missing or not writable", code="NotWritable")

    def url_for(self, key: str, request_base_url: str) -> str:
        base = (self.public_base_url or request_base_url).rstrip("/")
        return f"{base}/media/{key}"

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        return None

    def make_private(self, key: str) -> None:
        """Nothing to change on disk: ``/media`` asks for a signature once the render
        belongs to a private thread."""

    def local_path(self, key: str) -> Path | None:
        try:
            return self._path(key)
        except StorageError:
            return None
