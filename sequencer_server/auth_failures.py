"""Failed token checks per client address: after ``limit`` failures within a minute the
address is answered 429 until that minute is over, so guessing tokens costs a minute per
twenty guesses; and a failed check ends its connection (``CloseAfterAuthFailure``)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WINDOW_S = 60.0
DEFAULT_LIMIT = 20


class FailureLimiter:
    def __init__(
        self, limit: int = DEFAULT_LIMIT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        # address -> (start of its window, failures in it)
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, address: str) -> int | None:
        """Seconds until the address may try again, or None when it may try now."""
        with self._lock:
            start, count = self._windows.get(address, (0.0, 0))
            left = start + WINDOW_S - self._clock()
            if count >= self._limit and left > 0:
                return max(1, math.ceil(left))
            return None

    def failed(self, address: str) -> None:
        with self._lock:
            now = self._clock()
            start, count = self._windows.get(address, (now, 0))
            if now - start >= WINDOW_S:
                start, count = now, 0
            self._windows[address] = (start, count + 1)
            if len(self._windows) > 10_000:  # forget finished windows
                self._windows = {a: w for a, w in self._windows.items() if now - w[0] < WINDOW_S}


# A body this small is read before a 401 goes out, so that the answer may close the
# connection: it has nearly always arrived with the head already.
DRAIN_BYTES = 64 * 1024
DRAIN_S = 1.0
CLOSE = (b"connection", b"close")


class CloseAfterAuthFailure:
    """Answer a failed token check (401) with ``Connection: close``: a guesser pays a new
    connection (and TLS handshake) per guess instead of trying token after token on one
    kept-alive connection. The limiter above counts per address, not per connection;
    this only stops a connection from being an open line for guesses.

    Only when the request's body has been read, or has none: closing a connection while
    the client still sends its body makes the client's system answer with a reset that
    can wipe the 401 before the client reads it, and the app would then say "cannot reach
    the server" and retry for ever instead of "wrong token". A small body (what a JSON
    request carries, ``DRAIN_BYTES``) refused before it was read is read now, for at most
    ``DRAIN_S``; a larger one (an upload refused at its first form field) keeps its
    connection, which uvicorn drains and ``HeadTimeoutProtocol`` bounds.

    Installed outermost, so it sees every part of the body the routes read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"0")
        declared = int(length) if length.isdigit() and len(length) <= 18 else None
        chunked = b"transfer-encoding" in headers
        body_done = not chunked and declared == 0
        # A client that waits for "100 Continue" has sent nothing: reading would ask for it.
        drainable = (
            not chunked
            and declared is not None
            and declared <= DRAIN_BYTES
            and b"expect" not in headers
        )

        async def tracking_receive() -> Message:
            nonlocal body_done
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                if not body_done and drainable:
                    with anyio.move_on_after(DRAIN_S):
                        while not body_done:
                            await tracking_receive()
                if body_done:
                    kept = [h for h in message.get("headers", []) if h[0].lower() != CLOSE[0]]
                    message = {**message, "headers": [*kept, CLOSE]}
            await send(message)

        await self.app(scope, tracking_receive, closing_send)
