"""JSON request bodies, parsed defensively.

FastAPI's own parse (``json.loads`` on the event loop) accepts ``NaN`` and ``Infinity``,
nesting as deep as the C parser's recursion allows and integers of any size; each of those
got stored and then broke a later read (serialization depth, ``"bpm": null``, BSON's 8-byte
ints), and a large body stalled every other request while it was parsed. Here a body is
parsed off the event loop when it is big enough to matter, and what it must not contain is
found while it is parsed, so a refused body never reaches a route. The problem is kept on
the request instead of raised at once: the auth dependency answers a missing or wrong token
first and only then the problem, so an unauthenticated caller learns nothing about bodies.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import Request, Response
from fastapi.routing import APIRoute

# The pattern snapshot nests 4 levels (snapshot, tracks, a track, its steps); 32 leaves
# room for every future version and refuses bodies that only exist to exhaust a recursion.
MAX_DEPTH = 32
# A body's own object is one level above the values it carries (snapshot, peaks, ...).
MAX_BODY_DEPTH = MAX_DEPTH + 1
# BSON (MongoDB) stores integers in 8 bytes; SQLite's JSON is fine, but one store must
# not accept what the other refuses.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Parsing a body smaller than this takes microseconds: not worth a thread hop.
THREAD_THRESHOLD = 16 * 1024

STATE_KEY = "parsed_json_body"


class BodyRefused(ValueError):
    """The JSON is well-formed but holds something the server does not store."""


def _refuse_constant(name: str) -> float:
    raise BodyRefused(f"{name} is not a number JSON allows; send a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyRefused(f"{text[:20]} is out of range for a number; send a finite number")
    return value


def _checked_int(text: str) -> int:
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise BodyRefused(f"{text[:20]}… is out of range; integers must fit in 64 bits")
    return value


def check_depth(value: Any, limit: int) -> None:
    """Iterative, so a deep value cannot exhaust the interpreter's stack here."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise BodyRefused(f"nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses non-finite numbers, 64-bit overflows and deep nesting
    with :class:`BodyRefused`; malformed JSON still raises ``json.JSONDecodeError``."""
    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_checked_int,
        )
    except RecursionError:
        raise BodyRefused(f"nested deeper than {MAX_DEPTH} levels") from None
    except BodyRefused:
        raise
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise BodyRefused(str(exc)) from None  # e.g. an integer of more than 4300 digits
    check_depth(value, max_depth)
    return value


@dataclass(frozen=True)
class ParsedBody:
    value: Any
    problem: str | None = None

    @property
    def token(self) -> str | None:
        token = self.value.get("token") if isinstance(self.value, dict) else None
        return token if isinstance(token, str) and token else None


def parse_body(body: bytes) -> ParsedBody:
    """Malformed JSON raises (FastAPI answers 400); a refused value is kept as a problem."""
    try:
        return ParsedBody(loads(body, MAX_BODY_DEPTH))
    except BodyRefused as exc:
        return ParsedBody(None, str(exc))


def parsed_body(request: Request) -> ParsedBody | None:
    """The JSON body of a request to a :class:`GuardedJsonRoute` (an empty one when the
    request had none), or None for other routes."""
    parsed = getattr(request.state, STATE_KEY, None)
    return parsed if isinstance(parsed, ParsedBody) else None


class GuardedJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            if len(body) > THREAD_THRESHOLD:
                parsed = await anyio.to_thread.run_sync(parse_body, body)
            else:
                parsed = parse_body(body)
            setattr(self.state, STATE_KEY, parsed)
            self._json = parsed.value
        return self._json


class GuardedJsonRoute(APIRoute):
    """Route class for routers that take JSON bodies: parse with :func:`parse_body`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            setattr(request.state, STATE_KEY, ParsedBody(None))
            return await handler(GuardedJsonRequest(request.scope, request.receive))

        return guarded
