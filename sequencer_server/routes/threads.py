"""Threads: the conversations messages are posted into."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from sequencer_server.deps import CredentialsDep, StoreDep, TokenDep
from sequencer_server.json_body import GuardedJsonRoute
from sequencer_server.models import ThreadCreate, ThreadPublic, ThreadUpdate
from sequencer_server.presenters import utc_now_iso

router = APIRouter(prefix="/api/v1/threads", tags=["threads"], route_class=GuardedJsonRoute)


def thread_or_404(doc: dict | None, thread_id: str) -> dict:
    if doc is None:
        raise HTTPException(404, f"thread {thread_id!r} not found")
    return doc


@router.post(
    "",
    status_code=201,
    response_model=ThreadPublic,
    responses={200: {"description": "Replay of an id already created"}, 401: {}, 422: {}},
)
async def create_thread(
    body: ThreadCreate, credentials: CredentialsDep, store: StoreDep, response: Response
) -> dict:
    credentials.require(body.token)
    now = utc_now_iso()
    doc = {
        "id": body.id or uuid.uuid4().hex,
        "name": body.name.strip() or body.name,
        "users": body.users,
        "created_at": now,
        "updated_at": now,
    }

    def work() -> tuple[dict, bool]:
        if body.id is not None and (existing := store.get_thread(body.id)) is not None:
            return existing, False
        try:
            return store.create_thread(doc), True
        except Exception:
            # Two retries of the same offline creation racing: the loser gets the winner's.
            if body.id is not None and (existing := store.get_thread(body.id)) is not None:
                return existing, False
            raise

    stored, created = await run_in_threadpool(work)
    if not created:
        response.status_code = 200
    return stored


@router.get("", response_model=list[ThreadPublic], responses={401: {}})
async def list_threads(_: TokenDep, store: StoreDep) -> list[dict]:
    return await run_in_threadpool(store.list_threads)


@router.get("/{thread_id}", response_model=ThreadPublic, responses={401: {}, 404: {}})
async def get_thread(thread_id: str, _: TokenDep, store: StoreDep) -> dict:
    return thread_or_404(await run_in_threadpool(store.get_thread, thread_id), thread_id)


@router.patch("/{thread_id}", response_model=ThreadPublic, responses={401: {}, 404: {}})
async def rename_thread(
    thread_id: str, body: ThreadUpdate, credentials: CredentialsDep, store: StoreDep
) -> dict:
    credentials.require(body.token)
    doc = await run_in_threadpool(
        store.update_thread, thread_id, {"name": body.name.strip(), "updated_at": utc_now_iso()}
    )
    return thread_or_404(doc, thread_id)
