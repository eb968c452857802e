"""Users and token hashes in the MongoDB store, as a mixin: collections ``users`` (keyed
by name) and ``tokens`` (keyed by the token's hash)."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

_FIELDS = {"_id": 0, "name": 1, "admin": 1, "created_at": 1, "last_seen": 1, "revoked": 1}


def _user(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": row["name"],
        "admin": bool(row.get("admin")),
        "created_at": row["created_at"],
        "last_seen": row.get("last_seen"),
        "revoked": bool(row.get("revoked")),
    }


class MongoUsers:
    _users: Collection
    _tokens: Collection
    _counters: Collection  # the store's, shared with the change sequence

    def _open_user_collections(self, db: Database) -> None:
        self._users = db["users"]
        self._tokens = db["tokens"]
        self._tokens.create_index("name")

    def create_user(self, name: str, admin: bool, created_at: str) -> bool:
        row = {"_id": name, "name": name, "admin": admin, "created_at": created_at}
        try:
            self._users.insert_one({**row, "last_seen": None, "revoked": False})
        except DuplicateKeyError:
            return False
        return True

    def get_user(self, name: str) -> dict[str, Any] | None:
        row = self._users.find_one({"_id": name}, _FIELDS)
        return _user(row) if row else None

    def list_users(self) -> list[dict[str, Any]]:
        return [_user(r) for r in self._users.find({}, _FIELDS).sort("_id", 1)]

    def count_users(self) -> int:
        return int(self._users.count_documents({}))

    def add_token(self, name: str, token_hash: str, created_at: str) -> None:
        self._tokens.insert_one({"_id": token_hash, "name": name, "created_at": created_at})
        self._users.update_one({"_id": name}, {"$set": {"revoked": False}})

    def revoke_user(self, name: str) -> bool:
        found = self._users.update_one({"_id": name}, {"$set": {"revoked": True}}).matched_count
        self._tokens.delete_many({"name": name})
        self._counters.update_one({"_id": "revocations"}, {"$inc": {"value": 1}}, upsert=True)
        return found == 1

    def revocations(self) -> int:
        doc = self._counters.find_one({"_id": "revocations"})
        return int(doc["value"]) if doc else 0

    def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        token = self._tokens.find_one({"_id": token_hash})
        if token is None:
            return None
        row = self._users.find_one({"_id": token["name"], "revoked": {"$ne": True}}, _FIELDS)
        return _user(row) if row else None

    def touch_user(self, name: str, when: str) -> None:
        self._users.update_one({"_id": name}, {"$set": {"last_seen": when}})
