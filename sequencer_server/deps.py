"""Dependencies as ``Annotated`` aliases, so routes say what they need in their signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from sequencer_server.auth import Credentials, credentials_of
from sequencer_server.config import Settings
from sequencer_server.json_body import parsed_body
from sequencer_server.presenters import MessagePresenter
from sequencer_server.signed_urls import UrlSigner
from sequencer_server.storage import Storage
from sequencer_server.store import MessageStore
from sequencer_server.users import User
from sequencer_server.write_limits import WriteRates


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> MessageStore:
    return request.app.state.store


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


def get_signer(request: Request) -> UrlSigner:
    return request.app.state.signer


def get_credentials(request: Request) -> Credentials:
    """On JSON routes the token is checked here, before FastAPI validates the body, so a
    caller without the token gets 401 and never a description of what the body lacks; a
    body the parser refused (too deep, non-finite numbers) is answered only after that.
    (A Bearer token was checked before the body was read: see GuardedJsonRoute.)"""
    credentials = credentials_of(request)
    body = parsed_body(request)
    if body is not None:
        if body.readable or credentials.header or credentials.query:
            credentials.require(body.token)
        if body.problem:
            raise HTTPException(422, f"body: {body.problem}")
    return credentials


def get_current_user(
    request: Request, credentials: Annotated[Credentials, Depends(get_credentials)]
) -> User:
    """Who the request's token belongs to (401 without a valid one): the body's token on
    JSON routes, the query string or the Authorization header everywhere."""
    body = parsed_body(request)
    return credentials.require(body.token if body is not None else None)


def require_author(message: dict, user: User) -> None:
    """Only the author of a message, or an admin, may change or delete it."""
    if not user.admin and message.get("user_id") != user.name:
        raise HTTPException(403, f"only {message.get('user_id')!r} or an admin may do that")


def get_write_rates(request: Request) -> WriteRates:
    return request.app.state.write_rates


SettingsDep = Annotated[Settings, Depends(get_settings)]
WriteRatesDep = Annotated[WriteRates, Depends(get_write_rates)]
StoreDep = Annotated[MessageStore, Depends(get_store)]
StorageDep = Annotated[Storage, Depends(get_storage)]
CredentialsDep = Annotated[Credentials, Depends(get_credentials)]
SignerDep = Annotated[UrlSigner, Depends(get_signer)]
CurrentUser = Annotated[User, Depends(get_current_user)]


def get_presenter(request: Request, storage: StorageDep, signer: SignerDep) -> MessagePresenter:
    return MessagePresenter(storage, request, signer)


PresenterDep = Annotated[MessagePresenter, Depends(get_presenter)]
# The poll API's cursor and the event stream's ids are the same numbers (the stores'
# 64-bit change sequence), so both take ``since`` one way.
SinceCursor = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**63 - 1,
        description="a cursor from before (a page's cursor or an event id): changes after it",
    ),
]
