"""Stored documents → public JSON. URLs are derived here from each render's storage key, so
local storage's URLs follow the server's current address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from sequencer_server.signed_urls import UrlSigner
from sequencer_server.storage import Storage

INTERNAL_RENDER_KEYS = ("key", "message_id", "idempotency_key", "sha256", "uploader")


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def public_render(
    render: dict[str, Any], storage: Storage, request: Request, signer: UrlSigner | None = None
) -> dict[str, Any]:
    """With a ``signer`` (the render belongs to a private thread) the URL is a fresh
    expiring one: presigned by S3, or signed by this server for ``/media``."""
    out = {k: v for k, v in render.items() if k not in INTERNAL_RENDER_KEYS and v is not None}
    key = render.get("key")
    if key:
        url = storage.url_for(key, str(request.base_url))
        if signer is not None:
            url = storage.presigned_url(key, signer.ttl_s) or f"{url}?{signer.query(key)}"
        out["url"] = url
    return out


def public_message(
    doc: dict[str, Any], storage: Storage, request: Request, signer: UrlSigner | None = None
) -> dict[str, Any]:
    out = dict(doc)
    out["renders"] = [public_render(r, storage, request, signer) for r in doc.get("renders", [])]
    return out


class MessagePresenter:
    """Messages as one request may see them: render URLs follow the address the request
    came to, and a private thread's renders get signed, expiring URLs (public threads keep
    public ones). Routes take it as a dependency instead of storage, signer and request."""

    def __init__(self, storage: Storage, request: Request, signer: UrlSigner) -> None:
        self._storage = storage
        self._request = request
        self._signer = signer

    def message(self, doc: dict[str, Any], thread: dict[str, Any]) -> dict[str, Any]:
        signer = self._signer if thread.get("private") else None
        return public_message(doc, self._storage, self._request, signer)
