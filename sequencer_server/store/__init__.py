"""Message stores: SQLite (embedded default) or MongoDB."""

from __future__ import annotations

from sequencer_server.config import Settings
from sequencer_server.store.base import (
    Change,
    ChangePage,
    DuplicateUpload,
    MessageIdRetired,
    MessageStore,
    QuotaExceeded,
    RenderClaimConflict,
    StoreFull,
)


def store_from_settings(settings: Settings) -> MessageStore:
    if settings.mongodb_uri:
        from sequencer_server.store.mongo import MongoStore

        return MongoStore.from_uri(settings.mongodb_uri, settings.mongodb_db)
    from sequencer_server.store.sqlite import SQLiteStore

    return SQLiteStore(settings.data_dir / "sequencer.sqlite3")


__all__ = [
    "Change",
    "ChangePage",
    "DuplicateUpload",
    "MessageIdRetired",
    "MessageStore",
    "QuotaExceeded",
    "RenderClaimConflict",
    "StoreFull",
    "store_from_settings",
]
