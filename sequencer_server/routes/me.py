"""``GET /api/v1/me``: who the token is, so a client can show it and offer admin tools;
``GET /api/v1/users``: who else is on the server, for choosing private threads' members."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from sequencer_server.deps import CurrentUser, StoreDep
from sequencer_server.models import Me

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/me", response_model=Me, responses={401: {}})
async def me(user: CurrentUser) -> Me:
    return Me(name=user.name, admin=user.admin, service=user.service)


@router.get("/users", response_model=list[str], responses={401: {}})
async def users(_user: CurrentUser, store: StoreDep) -> list[str]:
    """The names of users not revoked, for any token: whom a private thread can include
    (names only — roles and activity stay with ``sequencer-server users list``)."""
    rows = await run_in_threadpool(store.list_users)
    return [row["name"] for row in rows if not row.get("revoked")]
