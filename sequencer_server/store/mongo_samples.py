"""Samples and their references in the MongoDB store, as a mixin: collection ``samples``
keyed by SHA-256, each holding the ids of the messages that reference it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

_FIELDS = {"_id": 0, "refs": 0, "last_ref_at": 0}


class MongoSamples:
    _samples: Collection
    # the store's running totals (mongo_totals)
    _take_room: Callable[[str | None, int, int | None], None]
    _give_back: Callable[[dict[str, Any] | None], None]

    def _open_sample_collections(self, db: Database) -> None:
        self._samples = db["samples"]
        self._samples.create_index("created_at")

    def record_sample(
        self, doc: dict[str, Any], cap: int | None = None
    ) -> tuple[dict[str, Any], bool]:
        if (earlier := self.get_sample(doc["sha256"])) is not None:
            return earlier, False
        self._take_room(doc.get("uploader"), doc.get("size_bytes", 0), cap)
        # An upsert that only sets on insert: two uploads of the same bytes race safely.
        try:
            result = self._samples.update_one(
                {"_id": doc["sha256"]}, {"$setOnInsert": {**doc, "refs": []}}, upsert=True
            )
        except BaseException:
            self._give_back(doc)
            raise
        if result.upserted_id is not None:
            return doc, True
        self._give_back(doc)  # the same bytes were recorded first: their uploader's
        return self.get_sample(doc["sha256"]) or doc, False

    def get_sample(self, sha256: str) -> dict[str, Any] | None:
        return self._samples.find_one({"_id": sha256}, _FIELDS)

    def add_sample_refs(self, message_id: str, sha256s: list[str], at: str) -> None:
        if sha256s:
            self._samples.update_many(
                {"_id": {"$in": sha256s}},
                {"$addToSet": {"refs": message_id}, "$max": {"last_ref_at": at}},
            )

    def sample_refs(self, sha256: str) -> list[str]:
        row = self._samples.find_one({"_id": sha256}, {"refs": 1})
        return sorted(row.get("refs", [])) if row else []

    def mark_sample_private(self, sha256: str) -> None:
        self._samples.update_one({"_id": sha256}, {"$set": {"private": True}})

    def add_sample_holder(self, sha256: str, user_name: str) -> None:
        self._samples.update_one({"_id": sha256}, {"$addToSet": {"holders": user_name}})

    def samples_before(self, created_before: str) -> list[dict[str, Any]]:
        rows = self._samples.find({"created_at": {"$lt": created_before}}, _FIELDS)
        return list(rows.sort("created_at", 1))

    def delete_sample(self, sha256: str, unless_referenced_since: str | None = None) -> bool:
        query: dict[str, Any] = {"_id": sha256}
        if unless_referenced_since is not None:  # one document: the check and delete are atomic
            query["$or"] = [
                {"last_ref_at": {"$exists": False}},
                {"last_ref_at": {"$lt": unless_referenced_since}},
            ]
        deleted = self._samples.find_one_and_delete(query, {"uploader": 1, "size_bytes": 1})
        self._give_back(deleted)
        return deleted is not None
