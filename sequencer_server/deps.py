"""Dependencies as ``Annotated`` aliases, so routes say what they need in their signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from sequencer_server.auth import Credentials, credentials_from
from sequencer_server.config import Settings
from sequencer_server.json_body import parsed_body
from sequencer_server.storage import Storage
from sequencer_server.store import MessageStore


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> MessageStore:
    return request.app.state.store


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


def get_credentials(request: Request) -> Credentials:
    """On JSON routes the token is checked here, before FastAPI validates the body, so a
    caller without the token gets 401 and never a description of what the body lacks; a
    body the parser refused (too deep, non-finite numbers) is answered only after that."""
    credentials = credentials_from(request, request.app.state.settings.api_token)
    body = parsed_body(request)
    if body is not None:
        if body.readable or credentials.header or credentials.query:
            credentials.require(body.token)
        if body.problem:
            raise HTTPException(422, f"body: {body.problem}")
    return credentials


def require_token(credentials: Annotated[Credentials, Depends(get_credentials)]) -> None:
    """For GET and DELETE: token in the query string or the Authorization header."""
    credentials.require()


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[MessageStore, Depends(get_store)]
StorageDep = Annotated[Storage, Depends(get_storage)]
CredentialsDep = Annotated[Credentials, Depends(get_credentials)]
TokenDep = Annotated[None, Depends(require_token)]
