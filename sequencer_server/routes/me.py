"""``GET /api/v1/me``: who the token is, so a client can show it and offer admin tools."""

from __future__ import annotations

from fastapi import APIRouter

from sequencer_server.deps import CurrentUser
from sequencer_server.models import Me

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/me", response_model=Me, responses={401: {}})
async def me(user: CurrentUser) -> Me:
    return Me(name=user.name, admin=user.admin, service=user.service)
