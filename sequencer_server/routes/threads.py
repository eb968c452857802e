"""Threads: the conversations messages are posted into, public or private."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from sequencer_server.deps import CurrentUser, SettingsDep, StoreDep, WriteRatesDep
from sequencer_server.json_body import GuardedJsonRoute
from sequencer_server.membership import (
    can_see,
    check_member_count,
    check_members_exist,
    may_remove,
    public_thread,
    visible_thread_or_404,
)
from sequencer_server.models import ThreadCreate, ThreadMembers, ThreadPublic, ThreadUpdate
from sequencer_server.presenters import utc_now_iso
from sequencer_server.thread_pages import MAX_CURSOR_CHARS, MAX_PAGE, page_of

router = APIRouter(prefix="/api/v1/threads", tags=["threads"], route_class=GuardedJsonRoute)


def thread_or_404(doc: dict | None, thread_id: str) -> dict:
    if doc is None:
        raise HTTPException(404, f"thread {thread_id!r} not found")
    return doc


@router.post(
    "",
    status_code=201,
    response_model=ThreadPublic,
    responses={
        200: {"description": "Replay of an id already created"},
        401: {},
        409: {},
        422: {},
        429: {},
    },
)
async def create_thread(
    body: ThreadCreate,
    user: CurrentUser,
    store: StoreDep,
    response: Response,
    settings: SettingsDep,
    rates: WriteRatesDep,
) -> dict:
    if body.private and body.id is not None:
        # Its id is the server's random one, so nobody finds it by trying ids (replay).
        raise HTTPException(422, "id: a private thread's id is the server's choice; leave 'id' out")
    now = utc_now_iso()
    users = list(dict.fromkeys(body.users))
    if body.private and not user.service and user.name not in users:
        users.append(user.name)  # whoever makes a private thread can see it
    check_member_count(users, settings.write_limits.max_thread_users)
    doc = {
        "id": body.id or uuid.uuid4().hex,
        "name": body.name.strip() or body.name,
        "users": users,
        "created_at": now,
        "updated_at": now,
        "private": body.private,
    }
    if not user.service:
        doc["created_by"] = user.name

    def replay(existing: dict) -> tuple[dict, bool]:
        """A thread id is global, so one in use is not given again, and whoever asks for
        it learns that it is in use — and, for a thread they cannot see, nothing more:
        not its name, members or messages (the 409 says the same for every such thread).
        Telling "in use" from "free" without a second thread under one id is impossible;
        a private thread's id is always the server's random 128-bit UUID (a client's id is
        refused for one, above), so nobody finds a private thread by trying ids."""
        if not can_see(existing, user):
            raise HTTPException(
                409, f"thread id {body.id!r} cannot be used: a thread you cannot see has it"
            )
        return existing, False

    def work() -> tuple[dict, bool]:
        if body.id is not None and (existing := store.get_thread(body.id)) is not None:
            return replay(existing)
        check_members_exist(store, user, users)
        if not user.service:
            rates.threads.hit(user.name)
        try:
            return store.create_thread(doc), True
        except Exception:
            # Two retries of the same offline creation racing: the loser gets the winner's.
            if body.id is not None and (existing := store.get_thread(body.id)) is not None:
                return replay(existing)
            raise

    stored, created = await run_in_threadpool(work)
    if not created:
        response.status_code = 200
    return public_thread(stored)


_PAGE_HEADERS = {
    "X-Next-Cursor": {
        "description": "Present when more threads follow: ask again with cursor= this value",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'The next page as <URL>; rel="next" (RFC 8288), when there is one',
        "schema": {"type": "string"},
    },
}


@router.get(
    "",
    response_model=list[ThreadPublic],
    responses={200: {"headers": _PAGE_HEADERS}, 401: {}, 422: {}},
)
async def list_threads(
    request: Request,
    response: Response,
    user: CurrentUser,
    store: StoreDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Threads per page (default and most: 1000)")
    ] = MAX_PAGE,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_CHARS, description="X-Next-Cursor of the previous page"),
    ] = None,
) -> list[dict]:
    """The threads the token may see, oldest first, a page at a time (thread_pages)."""
    threads = await run_in_threadpool(store.list_threads)
    page = page_of((t for t in threads if can_see(t, user)), cursor, limit)
    if page.next_cursor is not None:
        response.headers["X-Next-Cursor"] = page.next_cursor
        query = urlencode({"limit": limit, "cursor": page.next_cursor})
        response.headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
    return [public_thread(t) for t in page.threads]


@router.get("/{thread_id}", response_model=ThreadPublic, responses={401: {}, 404: {}})
async def get_thread(thread_id: str, user: CurrentUser, store: StoreDep) -> dict:
    doc = await run_in_threadpool(store.get_thread, thread_id)
    return public_thread(visible_thread_or_404(doc, thread_id, user))


@router.patch("/{thread_id}", response_model=ThreadPublic, responses={401: {}, 404: {}})
async def rename_thread(
    thread_id: str, body: ThreadUpdate, user: CurrentUser, store: StoreDep
) -> dict:
    def work() -> dict | None:
        visible_thread_or_404(store.get_thread(thread_id), thread_id, user)
        return store.update_thread(
            thread_id, {"name": body.name.strip(), "updated_at": utc_now_iso()}
        )

    return public_thread(thread_or_404(await run_in_threadpool(work), thread_id))


async def _change_members(
    thread_id: str, body: ThreadMembers, user: CurrentUser, store: StoreDep, max_users: int | None
) -> dict:
    """Adding (``max_users`` set): anyone who sees the thread adds accounts of this server.
    Removing: the creator and admins remove anyone; every other member only themselves
    (membership.may_remove)."""

    def work() -> dict | None:
        thread = visible_thread_or_404(store.get_thread(thread_id), thread_id, user)
        current = list(thread.get("users", []))
        if max_users is not None:
            added = [u for u in dict.fromkeys(body.users) if u not in current]
            check_members_exist(store, user, added)
            users = [*current, *added]
            check_member_count(users, max_users)
        else:
            others = sorted(set(body.users) - {user.name})
            if others and not may_remove(thread, user):
                raise HTTPException(
                    403,
                    "only the thread's creator or an admin removes other members; you may "
                    f"remove yourself (not {', '.join(repr(u) for u in others[:5])})",
                )
            users = [u for u in current if u not in body.users]
        return store.update_thread(thread_id, {"users": users, "updated_at": utc_now_iso()})

    return public_thread(thread_or_404(await run_in_threadpool(work), thread_id))


@router.post(
    "/{thread_id}/members",
    response_model=ThreadPublic,
    responses={401: {}, 404: {}, 422: {}},
)
async def add_members(
    thread_id: str,
    body: ThreadMembers,
    user: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
) -> dict:
    max_users = settings.write_limits.max_thread_users
    return await _change_members(thread_id, body, user, store, max_users)


@router.delete(
    "/{thread_id}/members",
    response_model=ThreadPublic,
    responses={401: {}, 403: {}, 404: {}},
)
async def remove_members(
    thread_id: str, body: ThreadMembers, user: CurrentUser, store: StoreDep
) -> dict:
    return await _change_members(thread_id, body, user, store, None)
