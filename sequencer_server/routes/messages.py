"""Messages: create (idempotent by client id), read, poll for changes, attach, delete."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sequencer_server.deps import CredentialsDep, StorageDep, StoreDep, TokenDep
from sequencer_server.json_body import GuardedJsonRoute
from sequencer_server.models import (
    AttachRender,
    AttachResult,
    DeleteResult,
    MessageCreate,
    MessagePage,
    MessagePublic,
)
from sequencer_server.presenters import public_message, utc_now_iso
from sequencer_server.routes.threads import thread_or_404
from sequencer_server.storage import Storage, StorageError
from sequencer_server.store import MessageStore, RenderClaimConflict

log = logging.getLogger("sequencer_server.messages")
router = APIRouter(prefix="/api/v1", tags=["messages"], route_class=GuardedJsonRoute)

# Changes younger than this are sent again on the next poll instead of moving the cursor
# past them: with several replicas on MongoDB, a change can take a sequence number a few
# milliseconds before a change with a higher number becomes visible. Clients apply changes
# by id, so a repeat is harmless and a gap is impossible.
SETTLE_MS = {"sqlite": 0}
DEFAULT_SETTLE_MS = 2000


def _message_or_404(doc: dict | None, message_id: str) -> dict:
    if doc is None:
        raise HTTPException(404, f"message {message_id!r} not found")
    return doc


def _check_timestamp(text: str | None) -> str:
    if text is None:
        return utc_now_iso()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"timestamp: {text[:40]!r} is not an ISO 8601 time") from None
    return text


def _stored_render(store: MessageStore, render_id: str, message_id: str) -> dict[str, Any]:
    """The server's own record of a render; clients cannot attach arbitrary URLs."""
    upload = store.get_upload(render_id)
    if upload is None:
        raise HTTPException(422, f"render {render_id!r} was not uploaded to this server")
    owner = upload.get("message_id")
    if owner is not None and owner != message_id:
        raise HTTPException(409, f"render {render_id!r} is attached to another message")
    hidden = ("message_id", "idempotency_key")
    return {k: v for k, v in upload.items() if k not in hidden and v is not None}


def _attach(store: MessageStore, message_id: str, render: dict[str, Any]) -> bool:
    try:
        store.claim_upload(render["id"], message_id)
    except RenderClaimConflict:
        detail = f"render {render['id']!r} is attached to another message"
        raise HTTPException(409, detail) from None
    return store.attach_render(message_id, render)


@router.post(
    "/messages",
    status_code=201,
    response_model=MessagePublic,
    responses={200: {"description": "Replay of an id already created"}, 404: {}, 409: {}},
)
async def create_message(
    body: MessageCreate,
    request: Request,
    credentials: CredentialsDep,
    store: StoreDep,
    storage: StorageDep,
) -> Any:
    credentials.require(body.token)
    message_id = body.id or uuid.uuid4().hex
    timestamp = _check_timestamp(body.timestamp)

    def work() -> tuple[dict, bool]:
        thread_or_404(store.get_thread(body.parent_thread), body.parent_thread)
        existing = store.get_message(message_id)
        if existing is not None and existing["parent_thread"] != body.parent_thread:
            raise HTTPException(409, f"message id {message_id!r} exists in another thread")
        renders = [_stored_render(store, r.id, message_id) for r in body.renders]
        doc = {
            "id": message_id,
            "created_at": utc_now_iso(),
            "timestamp": timestamp,
            "user_id": body.user_id,
            "parent_thread": body.parent_thread,
            "snapshot": body.snapshot,
            "snapshot_metadata": body.snapshot_metadata,
            "renders": [],
        }
        stored, created = store.create_message(doc)
        for render in renders:
            _attach(store, message_id, render)
        if created:
            store.update_thread(body.parent_thread, {"updated_at": doc["created_at"]})
        return store.get_message(message_id) or stored, created

    doc, created = await run_in_threadpool(work)
    return JSONResponse(public_message(doc, storage, request), status_code=201 if created else 200)


@router.get("/messages/{message_id}", response_model=MessagePublic, responses={404: {}})
async def get_message(
    message_id: str, request: Request, _: TokenDep, store: StoreDep, storage: StorageDep
) -> dict:
    doc = _message_or_404(await run_in_threadpool(store.get_message, message_id), message_id)
    return public_message(doc, storage, request)


@router.get(
    "/threads/{thread_id}/messages",
    response_model=MessagePage,
    summary="Messages created, changed or deleted after a cursor",
    responses={404: {}, 422: {}},
)
async def list_messages(
    thread_id: str,
    request: Request,
    _: TokenDep,
    store: StoreDep,
    storage: StorageDep,
    since: Annotated[
        int | None,
        Query(ge=0, le=2**63 - 1, description="cursor from the previous page"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict:
    since_seq = since or 0  # cursors are the stores' 64-bit sequence numbers

    def work() -> dict:
        thread_or_404(store.get_thread(thread_id), thread_id)
        page = store.changes(thread_id, since_seq, limit)
        settle = SETTLE_MS.get(store.name, DEFAULT_SETTLE_MS)
        horizon = int(time.time() * 1000) - settle
        full = len(page.messages) == limit
        cursor = since_seq
        for seq, changed_at, _item in [*page.messages, *page.deleted]:
            if changed_at <= horizon or full:
                cursor = max(cursor, seq)
        return {
            "messages": [public_message(d, storage, request) for _s, _c, d in page.messages],
            "deleted": [i for _s, _c, i in page.deleted],
            "cursor": str(cursor),
            "more": full,
        }

    return await run_in_threadpool(work)


@router.post(
    "/messages/{message_id}/renders",
    response_model=AttachResult,
    responses={404: {}, 409: {}, 422: {}},
)
async def attach_render(
    message_id: str, body: AttachRender, credentials: CredentialsDep, store: StoreDep
) -> dict:
    credentials.require(body.token)

    def work() -> None:
        _message_or_404(store.get_message(message_id), message_id)
        render = _stored_render(store, body.render.id, message_id)
        if _attach(store, message_id, render):
            log.info("📎 Attached render %s to message %s", render["id"], message_id)

    await run_in_threadpool(work)
    return {"status": "render_attached", "message_id": message_id}


def delete_render_files(storage: Storage, store: MessageStore, message_id: str) -> int:
    """Delete the files of a message's renders, found from the server's upload records.
    Returns how many failed; failures are logged and never block the deletion."""
    failures = 0
    for upload in store.uploads_for_message(message_id):
        key = upload["key"]
        try:
            storage.delete(key)
        except StorageError as exc:
            failures += 1
            log.warning("⚠️  Failed to delete render from storage: %s (%s)", key, exc.code or exc)
            continue
        store.delete_upload(upload["id"])
        log.info("🗑️  Deleted render from storage: %s", key)
    return failures


@router.delete("/messages/{message_id}", response_model=DeleteResult, responses={404: {}})
async def delete_message(
    message_id: str, _: TokenDep, store: StoreDep, storage: StorageDep
) -> dict:
    def work() -> dict:
        doc = _message_or_404(store.get_message(message_id), message_id)
        failures = delete_render_files(storage, store, message_id)
        store.delete_message(message_id)
        return {
            "status": "deleted",
            "id": message_id,
            "renders_deleted": len(doc.get("renders", [])),
            "storage_failures": failures,
        }

    return await run_in_threadpool(work)
