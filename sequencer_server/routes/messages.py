"""Messages: create (idempotent by client id), read, poll for changes, attach, delete."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sequencer_server.deps import (
    CurrentUser,
    PresenterDep,
    SettingsDep,
    SinceCursor,
    StorageDep,
    StoreDep,
    WriteRatesDep,
    require_author,
)
from sequencer_server.json_body import GuardedJsonRoute
from sequencer_server.membership import can_see, visible_thread_or_404
from sequencer_server.models import (
    AttachRender,
    AttachResult,
    DeleteResult,
    MessageCreate,
    MessagePage,
    MessagePublic,
)
from sequencer_server.presenters import utc_now_iso
from sequencer_server.routes.samples import record_references, referenced_samples
from sequencer_server.storage import Storage, StorageError
from sequencer_server.store import ChangePage, MessageIdRetired, MessageStore, RenderClaimConflict
from sequencer_server.users import User
from sequencer_server.write_limits import check_size, json_size

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


def _visible_message(store: MessageStore, message_id: str, user: User) -> tuple[dict, dict]:
    """The message and its thread; a message in a private thread the user is not in is
    answered 404 like a missing one."""
    doc = _message_or_404(store.get_message(message_id), message_id)
    thread = store.get_thread(doc["parent_thread"])
    try:
        return doc, visible_thread_or_404(thread, doc["parent_thread"], user)
    except HTTPException:
        raise HTTPException(404, f"message {message_id!r} not found") from None


def _check_timestamp(text: str | None) -> str:
    if text is None:
        return utc_now_iso()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"timestamp: {text[:40]!r} is not an ISO 8601 time") from None
    return text


def _stored_render(
    store: MessageStore, render_id: str, message_id: str, user: User
) -> dict[str, Any]:
    """The server's own record of a render; clients cannot attach arbitrary URLs, nor
    someone else's upload (records from before uploaders were kept belong to anyone)."""
    upload = store.get_upload(render_id)
    if upload is None:
        raise HTTPException(422, f"render {render_id!r} was not uploaded to this server")
    uploader = upload.get("uploader")
    if uploader is not None and not user.service and uploader != user.name:
        raise HTTPException(403, f"render {render_id!r} was uploaded by someone else")
    owner = upload.get("message_id")
    if owner is not None and owner != message_id:
        raise HTTPException(409, f"render {render_id!r} is attached to another message")
    hidden = ("message_id", "idempotency_key", "sha256", "uploader")
    return {k: v for k, v in upload.items() if k not in hidden and v is not None}


def _attach(
    store: MessageStore,
    storage: Storage,
    message_id: str,
    render: dict[str, Any],
    private: bool,
) -> bool:
    """Claim the upload, then add it to the message. In this order a delete (which removes
    the message first, then the files of every upload claimed by it) can never leave an
    acknowledged render behind; a message deleted meanwhile answers 404. A render joining
    a private thread loses its public access before the attach is acknowledged."""
    try:
        store.claim_upload(render["id"], message_id)
    except RenderClaimConflict:
        detail = f"render {render['id']!r} is attached to another message"
        raise HTTPException(409, detail) from None
    except KeyError:
        raise HTTPException(
            422, f"render {render['id']!r} was not uploaded to this server"
        ) from None
    if private:
        try:
            storage.make_private(render["key"])
        except StorageError as exc:
            log.error("❌ Could not make render %s private: %s", render["key"], exc)
            raise HTTPException(500, "Failed to make the render private in storage") from exc
    try:
        return store.attach_render(message_id, render)
    except KeyError:
        raise HTTPException(404, f"message {message_id!r} not found") from None


def same_message(stored: dict[str, Any], body: MessageCreate) -> bool:
    """Whether a create under an existing id is a replay of the one that made it.

    Clients retry with exactly the body they sent, so every field the client chose must
    match as sent (a timestamp the client left out was the server's choice). Renders may
    only have grown: the desktop outbox replays its create after it attached a render, and
    a create interrupted between storing the message and attaching its renders is finished
    by its replay — renders listed in the replay but not attached yet are attached then.
    """
    if body.timestamp is not None and stored.get("timestamp") != body.timestamp:
        return False
    return (
        stored.get("parent_thread") == body.parent_thread
        and stored.get("user_id") == body.user_id
        and stored.get("snapshot") == body.snapshot
        and stored.get("snapshot_metadata") == body.snapshot_metadata
        and stored.get("text") == (body.text or None)
        and stored.get("reply_to") == body.reply_to
    )


def unusable_id_detail(message_id: str) -> str:
    return (
        f"message id {message_id!r} cannot be used: a deleted message or one you cannot "
        "see has it; choose a new id"
    )


def _check_replay(store: MessageStore, existing: dict, body: MessageCreate, user: User) -> None:
    """A create under an id that is in use goes on only as a replay of the one that made it
    (``same_message``): 409 otherwise, before anything is recorded for it.

    Ids are global (``GET /messages/{id}`` names no thread or author), so an id in use
    cannot be given to a second message, and a caller who tries one learns that it is in
    use. What it must not learn is more than a deleted message's id tells: an id held by a
    message the caller cannot see — one in a private thread it is not in — gets the very
    answer a deleted message's id gets, so "it exists, privately" cannot be told from "it
    was used once". Ids the clients make are random (the desktop app's are 128-bit UUIDs),
    so an outsider who has not seen an id cannot find it by trying; one who chose a
    guessable id learns no more than that. A message the caller can see is named as it
    is: another thread's, or a different body under the same id."""
    if existing["parent_thread"] != body.parent_thread:
        other = store.get_thread(existing["parent_thread"])
        if other is None or not can_see(other, user):
            raise HTTPException(409, unusable_id_detail(existing["id"]))
        raise HTTPException(409, f"message id {existing['id']!r} exists in another thread")
    if not same_message(existing, body):
        raise HTTPException(
            409, f"message id {existing['id']!r} is already used by a different message"
        )


def _check_reply_to(store: MessageStore, body: MessageCreate, message_id: str) -> None:
    """A reply answers a message of its own thread that exists (a reply into another
    thread, even a visible one, would be a link the other thread's readers cannot see)."""
    if body.reply_to is None:
        return
    target = store.get_message(body.reply_to) if body.reply_to != message_id else None
    if target is None or target.get("parent_thread") != body.parent_thread:
        raise HTTPException(
            422, f"reply_to: {body.reply_to!r} is not a message of thread {body.parent_thread!r}"
        )


@router.post(
    "/messages",
    status_code=201,
    response_model=MessagePublic,
    responses={
        200: {"description": "Replay of an id already created"},
        403: {},
        404: {},
        409: {},
        429: {},
    },
)
async def create_message(
    body: MessageCreate,
    user: CurrentUser,
    store: StoreDep,
    storage: StorageDep,
    present: PresenterDep,
    settings: SettingsDep,
    rates: WriteRatesDep,
) -> Any:
    if not user.service and body.user_id != user.name:
        raise HTTPException(
            403, f"user_id {body.user_id[:64]!r} is not you: this token is {user.name!r}'s"
        )
    limits = settings.write_limits
    check_size("snapshot", body.snapshot, limits.max_snapshot_kb, "MAX_SNAPSHOT_KB")
    check_size(
        "snapshot_metadata", body.snapshot_metadata, limits.max_metadata_kb, "MAX_METADATA_KB"
    )
    message_id = body.id or uuid.uuid4().hex
    timestamp = _check_timestamp(body.timestamp)

    def work() -> tuple[dict, bool, dict]:
        thread = store.get_thread(body.parent_thread)
        visible_thread_or_404(thread, body.parent_thread, user)
        private = bool(thread and thread.get("private"))
        existing = store.get_message(message_id)
        if existing is not None:
            _check_replay(store, existing, body, user)
        else:  # a replay is judged by same_message instead
            _check_reply_to(store, body, message_id)
            if not user.service:  # a retry of a create is not a new write
                rates.messages.hit(user.name)
        renders = [_stored_render(store, r.id, message_id, user) for r in body.renders]
        samples = referenced_samples(store, body.snapshot or {}, user)  # text-only: no snapshot
        record_references(store, storage, message_id, samples, private)
        doc: dict[str, Any] = {
            "id": message_id,
            "created_at": utc_now_iso(),
            "timestamp": timestamp,
            "user_id": body.user_id,
            "user_name": body.user_id if user.service else user.name,
            "parent_thread": body.parent_thread,
            "snapshot": body.snapshot,
            "snapshot_metadata": body.snapshot_metadata,
            "renders": [],
        }
        if body.snapshot is None:
            del doc["snapshot"]
        if body.text:
            doc["text"] = body.text
        if body.reply_to is not None:
            doc["reply_to"] = body.reply_to
        try:
            stored, created = store.create_message(doc)
        except MessageIdRetired:
            raise HTTPException(409, unusable_id_detail(message_id)) from None
        if not created:  # made by a racing twin of this request since the check above
            _check_replay(store, stored, body, user)
        for render in renders:
            _attach(store, storage, message_id, render, private)
        if created:
            store.update_thread(body.parent_thread, {"updated_at": doc["created_at"]})
        return store.get_message(message_id) or stored, created, thread or {}

    doc, created, thread = await run_in_threadpool(work)
    return JSONResponse(present.message(doc, thread), status_code=201 if created else 200)


@router.get("/messages/{message_id}", response_model=MessagePublic, responses={404: {}})
async def get_message(
    message_id: str, user: CurrentUser, store: StoreDep, present: PresenterDep
) -> dict:
    doc, thread = await run_in_threadpool(_visible_message, store, message_id, user)
    return present.message(doc, thread)


@router.get(
    "/threads/{thread_id}/messages",
    response_model=MessagePage,
    summary="Messages created, changed or deleted after a cursor",
    responses={404: {}, 422: {}},
)
async def list_messages(
    thread_id: str,
    user: CurrentUser,
    store: StoreDep,
    present: PresenterDep,
    settings: SettingsDep,
    since: SinceCursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict:
    since_seq = since or 0  # cursors are the stores' 64-bit sequence numbers

    def work() -> dict:
        thread = visible_thread_or_404(store.get_thread(thread_id), thread_id, user)
        stored = store.changes(thread_id, since_seq, limit, decoded=False)
        page = within_bytes(
            stored,
            settings.write_limits.max_page_kb * 1024,
            store.pruned_through,
            lambda doc: present.message(doc, thread),
        )
        settle = SETTLE_MS.get(store.name, DEFAULT_SETTLE_MS)
        start = 0 if page.reset else since_seq
        cursor = settled_cursor(page, start, settle)
        return {
            "messages": [d for _s, _c, d in page.messages],
            "deleted": [i for _s, _c, i in page.deleted],
            "cursor": str(cursor),
            "more": page.full and cursor > start,
            "reset": page.reset,
        }

    return await run_in_threadpool(work)


def within_bytes(
    page: ChangePage,
    max_bytes: int,
    pruned_through: Callable[[], int],
    present: Callable[[dict[str, Any]], dict[str, Any]],
) -> ChangePage:
    """The page of ``present``ed messages, cut after the change that brings its JSON past
    ``max_bytes`` and marked full so the client asks for the rest from its cursor. Never
    below the pruned mark: a scan that restarted answers everything up to it in one page
    (ChangePage.reset), since a cursor there could not be replayed. A message is decoded
    (when the store left it as its JSON text) and presented (its render URLs made, signed
    in a private thread) only when it goes into the page: the rest of a long thread's
    changes read for the page are left as stored."""
    messages: list[tuple[int, int, Any, bool]] = [(s, c, d, True) for s, c, d in page.messages]
    deleted: list[tuple[int, int, Any, bool]] = [(s, c, i, False) for s, c, i in page.deleted]
    changes = sorted([*messages, *deleted], key=lambda change: change[0])
    kept = ChangePage(full=page.full, reset=page.reset)
    total = 0
    floor: int | None = None  # asked of the store only for a page that is too large
    for seq, changed_at, item, is_message in changes:
        if total > max_bytes and floor is None:
            floor = pruned_through()
        if floor is not None and total > max_bytes and seq > floor:
            kept.full = True
            break
        if is_message:
            shown = present(json.loads(item) if isinstance(item, str) else item)
            kept.messages.append((seq, changed_at, shown))
            total += json_size(shown) + 1
        else:
            kept.deleted.append((seq, changed_at, item))
            total += json_size(item) + 1
    return kept


def settled_cursor(page: ChangePage, since: int, settle_ms: int) -> int:
    """The cursor moves through the page's changes in order and stops before the first
    one younger than the settle window: a change with a lower number may still become
    visible (another replica's write in flight), and moving past it would skip it for
    good. A full page is no exception; its young tail comes again on the next poll."""
    horizon = int(time.time() * 1000) - settle_ms
    cursor = since
    for seq, changed_at, _item in sorted([*page.messages, *page.deleted], key=lambda c: c[0]):
        if changed_at > horizon:
            break
        cursor = seq
    return cursor


@router.post(
    "/messages/{message_id}/renders",
    response_model=AttachResult,
    responses={403: {}, 404: {}, 409: {}, 422: {}},
)
async def attach_render(
    message_id: str, body: AttachRender, user: CurrentUser, store: StoreDep, storage: StorageDep
) -> dict:
    def work() -> None:
        doc, thread = _visible_message(store, message_id, user)
        require_author(doc, user)
        render = _stored_render(store, body.render.id, message_id, user)
        if _attach(store, storage, message_id, render, bool(thread.get("private"))):
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


@router.delete("/messages/{message_id}", response_model=DeleteResult, responses={403: {}, 404: {}})
async def delete_message(
    message_id: str, user: CurrentUser, store: StoreDep, storage: StorageDep
) -> dict:
    def work() -> dict:
        require_author(_visible_message(store, message_id, user)[0], user)
        # The message goes first, then the files of every upload claimed by it: an attach
        # racing the delete either finished before (its file is found here) or finds the
        # message gone (404), so no acknowledged render outlives its message.
        doc = _message_or_404(store.delete_message(message_id), message_id)
        failures = delete_render_files(storage, store, message_id)
        return {
            "status": "deleted",
            "id": message_id,
            "renders_deleted": len(doc.get("renders", [])),
            "storage_failures": failures,
        }

    return await run_in_threadpool(work)
