"""JSON request bodies, parsed defensively.

FastAPI's own parse (``json.loads`` on the event loop) accepts ``NaN`` and ``Infinity``,
nesting as deep as the C parser's recursion allows and integers of any size; each of those
got stored and then broke a later read (serialization depth, ``"bpm": null``, BSON's 8-byte
ints), and a large body stalled every other request while it was parsed. Here a body is
parsed off the event loop when it is big enough to matter, and what it must not contain is
found while it is parsed, so a refused body never reaches a route. The problem is kept on
the request instead of raised at once: the auth dependency answers a missing or wrong token
first and only then the problem, so an unauthenticated caller learns nothing about bodies.
A Bearer token is checked before the body is even read, and a query token (or its absence:
401) before a malformed or unreadably deep body is answered.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from sequencer_server.auth import credentials_of

# The pattern snapshot nests 4 levels (snapshot, tracks, a track, its steps); 32 leaves
# room for every future version and refuses bodies that only exist to exhaust a recursion.
MAX_DEPTH = 32
# A body's own object is one level above the values it carries (snapshot, peaks, ...).
MAX_BODY_DEPTH = MAX_DEPTH + 1
# BSON (MongoDB) stores integers in 8 bytes; SQLite's JSON is fine, but one store must
# not accept what the other refuses. Fractional numbers get the same range, so that one
# bound describes every number (the OpenAPI document's JsonValue); no pattern comes near.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Parsing a body smaller than this takes microseconds: not worth a thread hop.
THREAD_THRESHOLD = 16 * 1024

STATE_KEY = "parsed_json_body"
UNREADABLE_BODY = "the body is not JSON the server can read, so its 'token' field was not read"


class BodyRefused(ValueError):
    """The JSON is well-formed but holds something the server does not store."""


NESTED_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels"
# JSON's \uD800-\uDFFF escapes (or such bytes) without their pair decode to a lone
# surrogate: no character, and no UTF-8 can hold it, so every later write of it (the
# size check, the store, a response) would fail as a 500.
LONE_SURROGATE = (
    "a string holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its "
    "pair), which is no character: send Unicode text"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def check_depth(value: object, limit: int) -> None:
    """Nesting no deeper than ``limit``, and every string and key Unicode text (no lone
    surrogate). Iterative, so a deep value cannot exhaust the interpreter's stack here."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _lone_surrogate(item):
                raise BodyRefused(LONE_SURROGATE)
            continue
        if isinstance(item, dict):
            if any(_lone_surrogate(key) for key in item):
                raise BodyRefused(LONE_SURROGATE)
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise BodyRefused(NESTED_TOO_DEEP)
        stack.extend((child, depth + 1) for child in children)


def _parse(text: str | bytes, max_depth: int) -> tuple[Any, str | None]:
    """The value and the first thing wrong with it. A refused number is noted and parsing
    goes on, so the rest of the body (its token) is still read. Raises
    ``json.JSONDecodeError`` for malformed JSON and :class:`BodyRefused` when the nesting
    is too deep to parse at all."""
    problems: list[str] = []

    def constant(name: str) -> None:
        problems.append(f"{name} is not a number JSON allows; send a finite number")

    def finite_float(text: str) -> float | None:
        value = float(text)
        if not math.isfinite(value):
            problems.append(f"{text[:20]} is out of range for a number; send a finite number")
        elif not INT_MIN <= value <= INT_MAX:
            problems.append(f"{text[:20]} is out of range; numbers must lie within ±2^63")
        else:
            return value
        return None

    def checked_int(text: str) -> int | None:
        try:
            value = int(text)  # more than 4300 digits is a ValueError
        except ValueError:
            value = None
        if value is not None and INT_MIN <= value <= INT_MAX:
            return value
        problems.append(f"{text[:20]}… is out of range; integers must fit in 64 bits")
        return None

    try:
        value = json.loads(
            text, parse_constant=constant, parse_float=finite_float, parse_int=checked_int
        )
    except RecursionError:
        raise BodyRefused(NESTED_TOO_DEEP) from None
    if not problems:
        try:
            check_depth(value, max_depth)
        except BodyRefused as exc:
            problems.append(str(exc))
    return value, (problems[0] if problems else None)


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses non-finite numbers, 64-bit overflows and deep nesting
    with :class:`BodyRefused`; malformed JSON still raises ``json.JSONDecodeError``."""
    value, problem = _parse(text, max_depth)
    if problem:
        raise BodyRefused(problem)
    return value


@dataclass(frozen=True)
class ParsedBody:
    """What a route gets to validate (None when refused), and the body's token either way."""

    value: object  # the parsed JSON, checked by the route's model
    token: str | None = None
    problem: str | None = None
    # False when the body could not be read at all (nested past the parser's recursion):
    # its token is unknown, so only a header or query token can authenticate the request.
    readable: bool = True


def parse_body(body: bytes) -> ParsedBody:
    """Malformed JSON raises (FastAPI answers 400); a refused value is kept as a problem."""
    try:
        value, problem = _parse(body, MAX_BODY_DEPTH)
    except BodyRefused as exc:
        return ParsedBody(None, problem=str(exc), readable=False)
    token = value.get("token") if isinstance(value, dict) else None
    token = token if isinstance(token, str) and token else None
    return ParsedBody(None if problem else value, token, problem)


def parsed_body(request: Request) -> ParsedBody | None:
    """The JSON body of a request to a :class:`GuardedJsonRoute` (an empty one when the
    request had none), or None for other routes."""
    parsed = getattr(request.state, STATE_KEY, None)
    return parsed if isinstance(parsed, ParsedBody) else None


class GuardedJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                if len(body) > THREAD_THRESHOLD:
                    parsed = await anyio.to_thread.run_sync(parse_body, body)
                else:
                    parsed = parse_body(body)
            except json.JSONDecodeError:
                # The body's own token cannot be read: a header or query token speaks for
                # the request, and a wrong or missing one is answered 401 before the
                # malformed body's 400.
                await run_in_threadpool(credentials_of(self).require, None, UNREADABLE_BODY)
                raise
            setattr(self.state, STATE_KEY, parsed)
            self._json = parsed.value
        return self._json


class GuardedJsonRoute(APIRoute):
    """Route class for routers that take JSON bodies: parse with :func:`parse_body`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            setattr(request.state, STATE_KEY, ParsedBody(None))
            credentials = credentials_of(request)
            if credentials.header:  # it outranks a body token: refused before the body is read
                await run_in_threadpool(credentials.require)
            return await handler(GuardedJsonRequest(request.scope, request.receive))

        return guarded
