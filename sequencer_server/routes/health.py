"""``GET /healthz`` for load balancers and the desktop app's connection indicator."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sequencer_server import __version__
from sequencer_server.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request, store: StoreDep) -> JSONResponse:
    body = {
        "status": "ok",
        "version": __version__,
        "store": store.name,
        "storage": request.app.state.storage.name,
    }
    try:
        await run_in_threadpool(store.ping)
    except Exception as exc:
        body.update(status="unavailable", error=f"message store: {type(exc).__name__}")
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
