"""``GET /healthz`` (the process is up: load balancers' liveness, the desktop app's
connection indicator) and ``GET /readyz`` (the store and the storage answer: readiness).

Neither needs a token, so neither says more than which part failed and the error's type
or code: no endpoint, bucket, path or message text."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sequencer_server import __version__
from sequencer_server.deps import StoreDep
from sequencer_server.storage import StorageError

log = logging.getLogger("sequencer_server.health")
router = APIRouter(tags=["health"])

FEATURES = ("events", "text")


@router.get("/healthz")
async def healthz(request: Request, store: StoreDep) -> JSONResponse:
    body = {
        "status": "ok",
        "version": __version__,
        "store": store.name,
        "storage": request.app.state.storage.name,
        # What this server offers beyond the seed's contract, for clients to switch on.
        "features": list(FEATURES),
    }
    try:
        await run_in_threadpool(store.ping)
    except Exception as exc:
        body.update(status="unavailable", error=f"message store: {type(exc).__name__}")
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)


def _probe(check: Callable[[], object]) -> str | None:
    try:
        check()
    except StorageError as exc:
        return exc.code or type(exc).__name__
    except Exception as exc:
        return type(exc).__name__
    return None


@router.get("/readyz", responses={503: {"description": "The store or the storage failed"}})
async def readyz(request: Request, store: StoreDep) -> JSONResponse:
    """Ready when a cheap query reaches the message store and the storage answers (the S3
    bucket's HEAD, the media folder is writable); 503 names what failed."""
    storage = request.app.state.storage
    failed = {
        part: error
        for part, error in (
            ("store", await run_in_threadpool(_probe, store.ping)),
            ("storage", await run_in_threadpool(_probe, storage.check)),
        )
        if error is not None
    }
    if failed:
        log.warning("Not ready: %s", ", ".join(f"{k} {v}" for k, v in failed.items()))
        return JSONResponse({"status": "unavailable", "failed": failed}, status_code=503)
    return JSONResponse({"status": "ready"})
