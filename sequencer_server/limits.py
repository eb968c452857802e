"""Refuse oversized bodies while they stream in, not after they filled the disk or memory.

A pure ASGI middleware: a body is counted as it arrives and cut off the moment it passes
the limit; a declared ``Content-Length`` over the limit is refused at the route's first
read, before a byte of the body is taken, when a token outside the body (header or query)
vouches for the request. Uploads get ``MAX_UPLOAD_MB``, every other body (JSON)
``MAX_JSON_KB``.

401 comes before 413, as it does before every other judgement of a body: the limit is
told only to a caller whose token checks out (``body_token``). Without a token outside
the body, the body is read up to the limit, so that its own token — the seed's clients
send it in the body — can be found: the upload's form reader checks a ``token`` field as
it completes, and a JSON body's top-level ``token`` is looked for in what arrived.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Multipart framing and the small form fields around the file.
OVERHEAD = 256 * 1024
CLOSE = {"Connection": "close"}

# (scope, what arrived of a JSON body or b"" for an upload, whether it is JSON): raises
# 401/429 unless a valid token speaks for the request.
Vouch = Callable[[Scope, bytes, bool], Awaitable[None]]
# Whether a token outside the body speaks (or spoke) for the request: then a declared
# length over the limit is told before the body is read.
VouchedEarly = Callable[[Scope], bool]


def too_large_detail(limit_bytes: int) -> str:
    return f"File too large: the limit is {limit_bytes // (1024 * 1024)} MB (MAX_UPLOAD_MB)"


def json_too_large_detail(limit_bytes: int) -> str:
    return f"Request body too large: the limit is {limit_bytes // 1024} KB (MAX_JSON_KB)"


class BodyLimitMiddleware:
    """``paths`` get ``limit_bytes`` (plus multipart overhead); with ``other_limit_bytes``,
    every other path gets that limit exactly."""

    def __init__(
        self,
        app: ASGIApp,
        limit_bytes: int,
        paths: tuple[str, ...],
        vouch: Vouch,
        vouched_early: VouchedEarly,
        other_limit_bytes: int | None = None,
        path_limits: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit_bytes
        self.paths = paths
        self.vouch = vouch
        self.vouched_early = vouched_early
        self.other_limit = other_limit_bytes
        # More upload paths, each with its own (limit, detail): samples have MAX_SAMPLE_MB.
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_json = False
        if scope["path"] in self.paths:
            allowed, detail = self.limit + OVERHEAD, too_large_detail(self.limit)
        elif scope["path"] in self.path_limits:
            limit, detail = self.path_limits[scope["path"]]
            allowed = limit + OVERHEAD
        elif self.other_limit is not None:
            allowed, detail = self.other_limit, json_too_large_detail(self.other_limit)
            is_json = True
        else:
            await self.app(scope, receive, send)
            return
        declared_over = any(
            name == b"content-length" and value.isdigit() and int(value) > allowed
            for name, value in scope.get("headers", [])
        )
        received = 0
        prefix: list[bytes] = []  # what arrived of a JSON body, up to the limit

        async def refuse() -> None:
            await self.vouch(scope, b"".join(prefix)[:allowed], is_json)
            # A declared length says how much more is coming: not worth receiving. A
            # body cut off as it streams keeps its connection, as before: closing while
            # the client still sends can reset the connection before it reads the 413.
            raise HTTPException(413, detail, headers=CLOSE if declared_over else None)

        async def counting_receive() -> Message:
            nonlocal received
            if declared_over and self.vouched_early(scope):
                await refuse()
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if is_json and received <= allowed:
                    prefix.append(chunk)
                received += len(chunk)
                if received > allowed:
                    await refuse()
            return message

        await self.app(scope, counting_receive, send)
