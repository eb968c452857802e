"""Who vouches for a body the server will not read in full (one over its size limit).

A 413 names the limit, so it is told only to a caller whose token checks out; anyone else
gets the 401 (or 429) a small body would have got, with the same words, so a body's size
tells an unauthenticated caller nothing. The token is looked for where the server can see
it without the rest of the body: the ``Authorization`` header, the ``token`` query
parameter, a ``token`` form field already checked by the upload's form reader, or the
``token`` member of a JSON body's top-level object within the part received so far (up to
the limit, which is what a body the server accepts may hold anyway).
"""

from __future__ import annotations

import json
import re

import anyio.to_thread
from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from sequencer_server.auth import credentials_of

_BLANK = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# Scanning a prefix smaller than this takes microseconds: not worth a thread hop.
THREAD_THRESHOLD = 16 * 1024


def leading_token(prefix: bytes) -> str | None:
    """The string value of ``token`` in the top-level object that ``prefix`` begins,
    when it comes before the prefix is cut off; None otherwise. Members before it are
    parsed whole (a ``"token"`` key inside a nested value is not the body's token)."""
    text = prefix.decode("utf-8", "replace")
    at = _BLANK.match(text).end()  # type: ignore[union-attr]  # matches the empty string
    if text[at : at + 1] != "{":
        return None
    at += 1
    try:
        while True:
            at = _BLANK.match(text, at).end()  # type: ignore[union-attr]
            if text[at : at + 1] != '"':
                return None
            key, at = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
            at = _BLANK.match(text, at).end()  # type: ignore[union-attr]
            if text[at : at + 1] != ":":
                return None
            at = _BLANK.match(text, at + 1).end()  # type: ignore[union-attr]
            value, at = _DECODER.raw_decode(text, at)
            if key == "token":
                return value if isinstance(value, str) and value else None
            at = _BLANK.match(text, at).end()  # type: ignore[union-attr]
            if text[at : at + 1] != ",":
                return None
            at += 1
    except (ValueError, RecursionError):  # cut off mid-value, malformed, or too deep
        return None


def vouched_without_body(scope: Scope) -> bool:
    """Whether a token outside the body speaks for the request (to be checked), or the
    form reader has checked one already: then an oversize body is told at once."""
    credentials = credentials_of(Request(scope))
    return bool(credentials.header or credentials.query or credentials.vouched)


async def require_token_for_oversize(scope: Scope, prefix: bytes, json_body: bool) -> None:
    """Raise the 401 or 429 a caller without a valid token gets, with ``Connection:
    close`` (the rest of the body is not worth receiving); return when the caller is
    known, so the 413 may be told."""
    credentials = credentials_of(Request(scope))
    if credentials.vouched:
        return
    token = None
    if json_body and not (credentials.header or credentials.query):
        if len(prefix) > THREAD_THRESHOLD:
            token = await anyio.to_thread.run_sync(leading_token, prefix)
        else:
            token = leading_token(prefix)
    try:
        await run_in_threadpool(credentials.require, token)
    except HTTPException as exc:
        headers = {**(exc.headers or {}), "Connection": "close"}
        raise HTTPException(exc.status_code, exc.detail, headers=headers) from None
