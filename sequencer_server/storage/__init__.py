"""Object storage for renders: a local folder (embedded default) or S3."""

from __future__ import annotations

from sequencer_server.config import Settings
from sequencer_server.storage.base import (
    Storage,
    StorageError,
    StorageFull,
    StoredObject,
    delete_unrecorded,
)


def storage_from_settings(settings: Settings) -> Storage:
    if settings.s3 is not None:
        from sequencer_server.storage.s3 import S3Storage

        return S3Storage(settings.s3)
    from sequencer_server.storage.local import LocalStorage

    return LocalStorage(settings.data_dir / "media", public_base_url=settings.public_base_url)


__all__ = [
    "Storage",
    "StorageError",
    "StorageFull",
    "StoredObject",
    "delete_unrecorded",
    "storage_from_settings",
]
