"""Refuse oversized bodies while they stream in, not after they filled the disk or memory.

A pure ASGI middleware: a declared ``Content-Length`` over the limit is answered with 413
before a byte of the body is read; a chunked body is counted as it arrives and cut off
the moment it passes the limit. Uploads get ``MAX_UPLOAD_MB``, every other body (JSON)
``MAX_JSON_KB``.
"""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Multipart framing and the small form fields around the file.
OVERHEAD = 256 * 1024


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
        other_limit_bytes: int | None = None,
        path_limits: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit_bytes
        self.paths = paths
        self.other_limit = other_limit_bytes
        # More upload paths, each with its own (limit, detail): samples have MAX_SAMPLE_MB.
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.paths:
            allowed, detail = self.limit + OVERHEAD, too_large_detail(self.limit)
        elif scope["path"] in self.path_limits:
            limit, detail = self.path_limits[scope["path"]]
            allowed = limit + OVERHEAD
        elif self.other_limit is not None:
            allowed, detail = self.other_limit, json_too_large_detail(self.other_limit)
        else:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > allowed:
                await self._reject(send, detail)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > allowed:
                    raise HTTPException(status_code=413, detail=detail)
            return message

        await self.app(scope, counting_receive, send)

    async def _reject(self, send: Send, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
