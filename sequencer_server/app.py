"""``create_app(settings)``: routers, dependencies and error handlers."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from sequencer_server import __version__
from sequencer_server.auth_failures import CloseAfterAuthFailure, FailureLimiter
from sequencer_server.body_token import require_token_for_oversize, vouched_without_body
from sequencer_server.config import NO_USERS, ConfigError, Settings
from sequencer_server.events import Broker, WakeOnWrite
from sequencer_server.http_semantics import install_method_not_allowed
from sequencer_server.limits import BodyLimitMiddleware
from sequencer_server.log_redaction import install_log_redaction
from sequencer_server.openapi import install_openapi
from sequencer_server.routes import (
    events,
    health,
    me,
    media,
    messages,
    samples,
    threads,
    uploads,
)
from sequencer_server.signed_urls import UrlSigner, load_secret
from sequencer_server.slow_clients import StalledBodyMiddleware
from sequencer_server.storage import Storage, StorageFull, storage_from_settings
from sequencer_server.store import MessageStore, StoreFull, store_from_settings
from sequencer_server.users import Authenticator
from sequencer_server.write_limits import WriteRates

log = logging.getLogger("sequencer_server")

UPLOAD_PATH = "/api/v1/upload/audio"


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body",))
    return f"{loc}: {error.get('msg', 'invalid')}" if loc else str(error.get("msg", "invalid"))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for that type only
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse({"detail": "Malformed JSON in the request body"}, status_code=400)
    return JSONResponse({"detail": "; ".join(_describe(e) for e in errors)}, status_code=422)


async def _disk_full(request: Request, exc: Exception) -> JSONResponse:
    """507 with the real cause in the log (SQLite's "database or disk is full", ENOSPC),
    instead of a generic 500 whose log hides it behind the failed rollback."""
    where = "message database" if isinstance(exc, StoreFull) else "render storage"
    log.error("❌ Out of space in the %s on %s %s: %s", where, request.method,
              request.url.path, exc)  # fmt: skip
    detail = f"The server is out of disk space (its {where} cannot grow); nothing was saved"
    return JSONResponse({"detail": detail}, status_code=507)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("Unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "Internal server error"}, status_code=500)


def create_app(
    settings: Settings,
    store: MessageStore | None = None,
    storage: Storage | None = None,
) -> FastAPI:
    install_log_redaction([settings.api_token] if settings.api_token else [])
    owns_store = store is None
    store = store if store is not None else store_from_settings(settings)
    if not settings.api_token and store.count_users() == 0:
        if owns_store:
            store.close()
        raise ConfigError(NO_USERS)
    storage = storage if storage is not None else storage_from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        log.info(
            "Sequencer server %s: messages in %s, renders in %s, ENV=%s",
            __version__,
            store.name,
            storage.name,
            settings.env,
        )
        yield
        await broker.close()
        if owns_store:  # an injected store belongs to the caller
            store.close()

    app = FastAPI(
        title="Sequencer server",
        version=__version__,
        description="Threads, messages and audio renders for the Sequencer desktop app.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.storage = storage
    broker = app.state.events = Broker(store)
    app.state.authenticator = Authenticator(store, settings.api_token)
    app.state.auth_failures = FailureLimiter(settings.auth_failures_per_minute)
    app.state.write_rates = WriteRates.of(settings.write_limits)
    secret = load_secret(settings.signing_key, settings.data_dir)
    app.state.signer = UrlSigner(secret, settings.signed_url_ttl_s)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreFull, _disk_full)
    app.add_exception_handler(StorageFull, _disk_full)
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_middleware(
        StalledBodyMiddleware,
        timeout_s=settings.request_timeout_s,
        min_bytes_per_s=settings.min_body_bytes_per_s,
    )
    app.add_middleware(
        BodyLimitMiddleware,
        limit_bytes=settings.max_upload_bytes,
        paths=(UPLOAD_PATH,),
        vouch=require_token_for_oversize,
        vouched_early=vouched_without_body,
        other_limit_bytes=settings.max_json_bytes,
        path_limits={
            samples.SAMPLES_PATH: (
                settings.max_sample_bytes,
                samples.sample_too_large_detail(settings.max_sample_bytes),
            )
        },
    )
    app.add_middleware(WakeOnWrite, wake=broker.wake)
    app.add_middleware(CloseAfterAuthFailure)  # last: outermost, it sees the whole body
    for module in (threads, messages, uploads, samples, media, health, me, events):
        app.include_router(module.router)
    install_method_not_allowed(app)
    install_openapi(app)
    return app
