"""The production message store: MongoDB through pymongo.

Every write is a single-document atomic operation, so any number of stateless server
replicas can share one database: idempotent creates ride on the unique ``_id``, attaching
a render twice is prevented by the update's own filter, and the change sequence comes from
an atomic ``$inc`` on a counter document. A deletion turns the message's own document into
its tombstone (``deleted: true``, content dropped) in one update, so a crash can never
leave a message gone without pollers hearing of it, and one ``(thread, seq)`` scan returns
changes and deletions in order.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, OperationFailure

from sequencer_server.store.base import (
    LEGACY_UPLOADER,
    Change,
    ChangePage,
    DuplicateUpload,
    MessageIdRetired,
    RenderClaimConflict,
    StoreFull,
)
from sequencer_server.store.change_signals import ChangeSignal, EveryTick
from sequencer_server.store.mongo_changes import ChangeStreamSignal, is_replica_set
from sequencer_server.store.mongo_samples import MongoSamples
from sequencer_server.store.mongo_totals import MongoStorageTotals
from sequencer_server.store.mongo_users import MongoUsers

OUT_OF_DISK_SPACE = 14031  # MongoDB's error code when a write finds the disk full

P = ParamSpec("P")
R = TypeVar("R")


def _writes(
    method: Callable[Concatenate[MongoStore, P], R],
) -> Callable[Concatenate[MongoStore, P], R]:
    """A full disk on the database server becomes ``StoreFull`` (507), not a 500."""

    @functools.wraps(method)
    def wrapper(self: MongoStore, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except OperationFailure as exc:
            if exc.code == OUT_OF_DISK_SPACE:
                raise StoreFull(f"MongoDB is out of disk space: {exc}") from exc
            raise

    return wrapper


def _now_ms() -> int:
    return int(time.time() * 1000)


class MongoStore(MongoUsers, MongoSamples, MongoStorageTotals):
    name = "mongodb"

    def __init__(self, client: MongoClient, db_name: str) -> None:
        self._client = client
        db = client[db_name]
        self._threads = db["threads"]
        self._messages = db["messages"]
        self._uploads = db["uploads"]
        self._counters = db["counters"]
        self._threads.create_index([("created_at", ASCENDING), ("_id", ASCENDING)])
        self._messages.create_index([("thread", ASCENDING), ("seq", ASCENDING)])
        self._messages.create_index([("deleted", ASCENDING), ("changed_at", ASCENDING)])
        self._messages.create_index([("seq", ASCENDING)])
        self._threads.create_index([("seq", ASCENDING)], sparse=True)
        self._uploads.create_index([("message_id", ASCENDING), ("created_at", ASCENDING)])
        self._uploads.create_index([("created_at", ASCENDING)])
        self._key_uploads_per_uploader()
        self._adopt_old_tombstones(db["tombstones"])
        self._open_user_collections(db)
        self._open_sample_collections(db)
        self._open_storage_totals(db)

    def _key_uploads_per_uploader(self) -> None:
        """An Idempotency-Key is unique per uploader: databases from before had it unique
        across all users (another user holding a client's key made its retry 409, or got
        its render). Records without an uploader (older still) index as null."""
        if "idempotency_key_1" in self._uploads.index_information():
            self._uploads.drop_index("idempotency_key_1")
        self._uploads.create_index(
            [("uploader", ASCENDING), ("idempotency_key", ASCENDING)],
            unique=True,
            partialFilterExpression={"idempotency_key": {"$exists": True}},
            name="uploader_idempotency_key",
        )

    def _adopt_old_tombstones(self, old: Collection) -> None:
        """Databases from before tombstones lived in ``messages`` kept them apart."""
        for row in old.find({}):
            self._messages.update_one(
                {"_id": row["_id"]},
                {"$setOnInsert": {**{k: v for k, v in row.items() if k != "_id"}, "deleted": True}},
                upsert=True,
            )
            old.delete_one({"_id": row["_id"]})

    @classmethod
    def from_uri(cls, uri: str, db_name: str) -> MongoStore:
        return cls(MongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True), db_name)

    def _next_seq(self) -> int:
        doc = self._counters.find_one_and_update(
            {"_id": "changes"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None  # upserted, and the document after the update is returned
        return int(doc["value"])

    # -- threads ---------------------------------------------------------------------
    @_writes
    def create_thread(self, doc: dict[str, Any]) -> dict[str, Any]:
        row = {"_id": doc["id"], "doc": doc, "created_at": doc["created_at"]}
        self._threads.insert_one({**row, "seq": self._next_seq(), "changed_at": _now_ms()})
        return doc

    def list_threads(self) -> list[dict[str, Any]]:
        cursor = self._threads.find({}, {"doc": 1}).sort([("created_at", 1), ("_id", 1)])
        return [row["doc"] for row in cursor]

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        row = self._threads.find_one({"_id": thread_id}, {"doc": 1})
        return row["doc"] if row else None

    @_writes
    def update_thread(self, thread_id: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        row = self._threads.find_one_and_update(
            {"_id": thread_id},
            {
                "$set": {
                    **{f"doc.{k}": v for k, v in fields.items()},
                    "seq": self._next_seq(),
                    "changed_at": _now_ms(),
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return row["doc"] if row else None

    # -- messages --------------------------------------------------------------------
    @_writes
    def create_message(self, doc: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        existing = self.get_message(doc["id"])
        if existing is not None:
            return existing, False
        row = {
            "_id": doc["id"],
            "thread": doc["parent_thread"],
            "seq": self._next_seq(),
            "changed_at": _now_ms(),
            "doc": doc,
        }
        try:
            self._messages.insert_one(row)
        except DuplicateKeyError:
            # The id of a deleted message stays taken: its row is the tombstone.
            if self._messages.find_one({"_id": doc["id"], "deleted": True}, {"_id": 1}):
                raise MessageIdRetired(doc["id"]) from None
            return self.get_message(doc["id"]) or doc, False
        return doc, True

    def get_message(self, message_id: str) -> dict[str, Any] | None:
        row = self._messages.find_one({"_id": message_id, "deleted": {"$ne": True}}, {"doc": 1})
        return row["doc"] if row else None

    @_writes
    def attach_render(self, message_id: str, render: dict[str, Any]) -> bool:
        result = self._messages.update_one(
            {"_id": message_id, "deleted": {"$ne": True}, "doc.renders.id": {"$ne": render["id"]}},
            {
                "$push": {"doc.renders": render},
                "$set": {"seq": self._next_seq(), "changed_at": _now_ms()},
            },
        )
        if result.modified_count:
            return True
        if self.get_message(message_id) is None:
            raise KeyError(message_id)
        return False

    @_writes
    def delete_message(self, message_id: str) -> dict[str, Any] | None:
        row = self._messages.find_one_and_update(
            {"_id": message_id, "deleted": {"$ne": True}},
            {
                "$set": {"deleted": True, "seq": self._next_seq(), "changed_at": _now_ms()},
                "$unset": {"doc": ""},
            },
            return_document=ReturnDocument.BEFORE,
        )
        return row["doc"] if row else None

    def changes(
        self, thread_id: str, since: int, limit: int, *, decoded: bool = True
    ) -> ChangePage:
        """Decoded whatever ``decoded`` says: the driver hands documents over decoded."""
        pruned = self.pruned_through()
        reset = 0 < since < pruned or since > self.cursor()
        start = 0 if reset else since
        # Below the pruned mark deletions are no longer known, so a scan never stops
        # there: everything up to it comes in one page (see ChangePage.reset).
        floor = max(start, pruned)
        old = list(
            self._messages.find({"thread": thread_id, "seq": {"$gt": start, "$lte": floor}}).sort(
                "seq", ASCENDING
            )
        )
        rows = list(
            self._messages.find({"thread": thread_id, "seq": {"$gt": floor}})
            .sort("seq", ASCENDING)
            .limit(limit)
        )
        page = ChangePage(full=len(rows) == limit, reset=reset)
        for r in [*old, *rows]:
            if r.get("deleted"):
                page.deleted.append((r["seq"], r["changed_at"], r["_id"]))
            else:
                page.messages.append((r["seq"], r["changed_at"], r["doc"]))
        return page

    def cursor(self) -> int:
        doc = self._counters.find_one({"_id": "changes"})
        return int(doc["value"]) if doc else 0

    def pruned_through(self) -> int:
        mark = self._counters.find_one({"_id": "pruned_through"})
        return int(mark["value"]) if mark else 0

    def change_signal(self) -> ChangeSignal:
        """A change stream on a replica set (the only kind of server that has them), the
        polled tail of the change sequence otherwise."""
        if is_replica_set(self._client):
            return ChangeStreamSignal(self._messages.database)
        return EveryTick()

    def changes_after(self, since: int, limit: int) -> list[Change]:
        query = {"seq": {"$gt": since}}
        out = []
        for r in self._messages.find(query).sort("seq", ASCENDING).limit(limit):
            if r.get("deleted"):
                doc = {"id": r["_id"], "parent_thread": r["thread"]}
                out.append(Change(r["seq"], r["changed_at"], "deleted", r["thread"], doc))
            else:
                out.append(Change(r["seq"], r["changed_at"], "message", r["thread"], r["doc"]))
        for r in self._threads.find(query).sort("seq", ASCENDING).limit(limit):
            out.append(Change(r["seq"], r["changed_at"], "thread", r["_id"], r["doc"]))
        return sorted(out, key=lambda change: change.seq)[:limit]

    def prune_tombstones(self, older_than_ms: int) -> int:
        query = {"deleted": True, "changed_at": {"$lt": older_than_ms}}
        newest = list(self._messages.find(query, {"seq": 1}).sort("seq", -1).limit(1))
        if not newest:
            return 0
        # The mark moves first: a crash before the delete forgets nothing.
        self._counters.update_one(
            {"_id": "pruned_through"}, {"$max": {"value": newest[0]["seq"]}}, upsert=True
        )
        # The rows stay as bare ids (no thread, no sequence number: no scan finds them),
        # so a deleted message's id is never given to another message.
        return int(
            self._messages.update_many(
                {**query, "seq": {"$lte": newest[0]["seq"]}},
                {"$unset": {"thread": "", "seq": "", "changed_at": ""}},
            ).modified_count
        )

    # -- uploads ---------------------------------------------------------------------
    @_writes
    def record_upload(self, doc: dict[str, Any], cap: int | None = None) -> None:
        row = {"_id": doc["id"], **doc}
        key = row.get("idempotency_key")
        if key is None:
            row.pop("idempotency_key", None)  # sparse unique index: absent, not null
        elif self._uploads.find_one({"uploader": doc.get("uploader"), "idempotency_key": key}):
            # A retry that lost the race to its twin is a replay, not a full store.
            raise DuplicateUpload(key)
        self._take_room(doc.get("uploader"), doc.get("size_bytes", 0), cap)
        try:
            self._uploads.insert_one(row)
        except BaseException as exc:
            self._give_back(doc)
            if isinstance(exc, DuplicateKeyError):
                raise DuplicateUpload(key) from exc
            raise

    def find_upload(self, uploader: str, idempotency_key: str) -> dict[str, Any] | None:
        if uploader == LEGACY_UPLOADER:  # its own first, then the records from before
            rows = self._uploads.find(
                {"idempotency_key": idempotency_key, "uploader": {"$in": [uploader, None]}},
                {"_id": 0},
            )
            return min(rows, key=lambda r: r.get("uploader") is None, default=None)
        query = {"idempotency_key": idempotency_key, "uploader": uploader}
        return self._uploads.find_one(query, {"_id": 0})

    def get_upload(self, render_id: str) -> dict[str, Any] | None:
        return self._uploads.find_one({"_id": render_id}, {"_id": 0})

    @_writes
    def claim_upload(self, render_id: str, message_id: str) -> None:
        result = self._uploads.update_one(
            {"_id": render_id, "message_id": {"$in": [None, message_id]}},
            {"$set": {"message_id": message_id}},
        )
        if result.matched_count:
            return
        existing = self.get_upload(render_id)
        if existing is None:
            raise KeyError(render_id)
        raise RenderClaimConflict(existing["message_id"])

    def uploads_for_message(self, message_id: str) -> list[dict[str, Any]]:
        return list(self._uploads.find({"message_id": message_id}, {"_id": 0}))

    def delete_upload(self, render_id: str) -> None:
        self._give_back(self._uploads.find_one_and_delete({"_id": render_id}))

    def unattached_uploads(self, created_before: str) -> list[dict[str, Any]]:
        return list(
            self._uploads.find(
                {"message_id": None, "created_at": {"$lt": created_before}}, {"_id": 0}
            )
        )

    def uploads_before(self, created_before: str) -> list[dict[str, Any]]:
        return list(self._uploads.find({"created_at": {"$lt": created_before}}, {"_id": 0}))

    def ping(self) -> None:
        self._client.admin.command("ping")

    def close(self) -> None:
        self._client.close()
