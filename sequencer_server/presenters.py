"""Stored documents → public JSON. URLs are derived here from each render's storage key, so
local storage's URLs follow the server's current address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from sequencer_server.storage import Storage

INTERNAL_RENDER_KEYS = ("key", "message_id", "idempotency_key", "sha256")


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def public_render(render: dict[str, Any], storage: Storage, request: Request) -> dict[str, Any]:
    out = {k: v for k, v in render.items() if k not in INTERNAL_RENDER_KEYS and v is not None}
    if render.get("key"):
        out["url"] = storage.url_for(render["key"], str(request.base_url))
    return out


def public_message(doc: dict[str, Any], storage: Storage, request: Request) -> dict[str, Any]:
    out = dict(doc)
    out["renders"] = [public_render(r, storage, request) for r in doc.get("renders", [])]
    return out
