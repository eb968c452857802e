"""What each user keeps on the server, as a running total per user in the MongoDB store
(collection ``storage_totals``, keyed by user name), as a mixin.

The storage quota is asked at every upload; summing a user's renders and samples each time
read every record of both collections. The total is also what makes the quota hold under
concurrent uploads: a record is written only after a conditional ``$inc`` took its bytes
(``bytes`` ≤ cap − size, one document, atomic), so uploads racing at the cap cannot all
pass — there are no multi-document transactions outside replica sets. A refused insert
(a duplicate) gives its bytes back, and a deleted record gives back its size.

A user's total is made the first time it is needed, from the records (``(uploader,
size_bytes)`` indexes): databases from before totals were kept need no migration step.
The order of the steps (bytes taken before the record is written, given back after it is
deleted) means a crash between them can only count too much, never let the cap be passed.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database

from sequencer_server.store.base import QuotaExceeded


class MongoStorageTotals:
    _uploads: Collection
    _samples: Collection
    _totals: Collection

    def _open_storage_totals(self, db: Database) -> None:
        self._totals = db["storage_totals"]
        for collection in (self._uploads, self._samples):
            collection.create_index(
                [("uploader", ASCENDING), ("size_bytes", ASCENDING)], name="uploader_size"
            )

    def _summed(self, user_name: str) -> int:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"uploader": user_name}},
            {"$group": {"_id": None, "total": {"$sum": "$size_bytes"}}},
        ]
        return sum(
            int(row["total"])
            for collection in (self._uploads, self._samples)
            for row in collection.aggregate(pipeline)
        )

    def _total_doc(self, user_name: str) -> dict[str, Any]:
        """The user's total, made from the records if there is none yet (``$setOnInsert``:
        two processes making it at once agree, the first one's stays)."""
        found = self._totals.find_one({"_id": user_name})
        if found is not None:
            return found
        made = self._totals.find_one_and_update(
            {"_id": user_name},
            {"$setOnInsert": {"bytes": self._summed(user_name)}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert made is not None  # upserted, and the document after the update is returned
        return made

    def bytes_stored_by(self, user_name: str) -> int:
        return int(self._total_doc(user_name)["bytes"])

    def _take_room(self, user_name: str | None, size: int, cap: int | None) -> None:
        """Count ``size`` more bytes for the user before their record is written; with a
        ``cap``, only if they fit (else QuotaExceeded, nothing counted)."""
        if user_name is None:
            return
        self._total_doc(user_name)
        query: dict[str, Any] = {"_id": user_name}
        if cap is not None:
            query["bytes"] = {"$lte": cap - size}
        if self._totals.update_one(query, {"$inc": {"bytes": size}}).matched_count == 0:
            raise QuotaExceeded(self.bytes_stored_by(user_name))

    def _give_back(self, record: dict[str, Any] | None) -> None:
        """A record that was not written, or was deleted: its bytes count no more. A user
        with no total yet has it made from the records later, without this one."""
        if record is None or record.get("uploader") is None:
            return
        self._totals.update_one(
            {"_id": record["uploader"]}, {"$inc": {"bytes": -int(record.get("size_bytes", 0))}}
        )
