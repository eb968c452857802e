"""What reached the server: an ASGI layer in front of the real app that notes every
request's method and path and keeps the bytes of every request body, so a test can say
what was — and what never was — sent to it."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestsHeard:
    """``ThreadedServer(RequestsHeard(backend.app()))``; ``requests`` lists (method, path)
    in arrival order, ``body`` holds every request body's bytes end to end."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []
        self.body = bytearray()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._lock:
            self.requests.append((scope["method"], scope["path"]))

        async def listen() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                with self._lock:
                    self.body += message.get("body", b"")
            return message

        await self.app(scope, listen, send)

    def paths(self, method: str, prefix: str) -> list[str]:
        with self._lock:
            return [p for m, p in self.requests if m == method and p.startswith(prefix)]
