"""The bodies the limit tests send, and what a refused request must not have left behind."""

from __future__ import annotations

from tests.conftest import TOKEN


def stored_messages(backend, thread_id: str) -> list:
    return backend.store.changes(thread_id, 0, 100).messages


def stored_renders(backend) -> list[str]:
    if backend.storage.name == "s3":
        listing = backend.storage.client.list_objects_v2(Bucket=backend.settings.s3.bucket)
        return [o["Key"] for o in listing.get("Contents", [])]
    return [str(p) for p in backend.storage.root.rglob("*") if p.is_file()]


def nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for _ in range(depth - 1):
        value = [value]
    return value


def detail(response) -> str:
    body = response.json()
    assert isinstance(body["detail"], str)
    return body["detail"]


def message_body(thread_id: str, snapshot: object, **extra: object) -> dict:
    return {
        "token": TOKEN,
        "parent_thread": thread_id,
        "user_id": "alice",
        "snapshot": snapshot,
        "renders": [],
        **extra,
    }
