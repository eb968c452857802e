"""Clients that stop sending: a request left unfinished must not hold the server's sockets,
tasks and upload slots for as long as the client cares to keep its connection open.

uvicorn has no timeout for a request in progress: its keep-alive timer only runs between
requests, and is cancelled by the first byte of the next one. Two parts fill the gap:

- :class:`StalledBodyMiddleware` (ASGI): a route waiting for more of a body that sends no
  byte for ``REQUEST_TIMEOUT_S`` answers 408 and closes the connection, so an upload's
  slot is freed; and so does one whose body, after that long, averages less than
  ``MIN_BODY_KB_PER_S`` (a byte every few seconds never stalls, yet would hold the
  connection and the slot for hours);
- :class:`HeadTimeoutProtocol` (uvicorn's h11 protocol): a connection whose request head
  is not complete ``REQUEST_TIMEOUT_S`` after it opened (or after its previous response)
  is closed, with a 408 when part of a head had arrived. The ASGI app never sees such a
  request, so only the protocol can bound it; ``sequencer-server`` uses it, and a plain
  ``uvicorn`` command takes it with ``--http sequencer_server.slow_clients:HeadTimeoutProtocol``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio
import h11
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from sequencer_server.config import (
    DEFAULT_MIN_BODY_KB_PER_S,
    MIN_BODY_RATE_VAR,
    REQUEST_TIMEOUT_VAR,
    request_timeout_from_env,
)

log = logging.getLogger("sequencer_server.slow_clients")


def stalled_body_detail(seconds: float) -> str:
    return (
        f"Request body incomplete: nothing arrived for {seconds:g} s ({REQUEST_TIMEOUT_VAR}); "
        "send the request again"
    )


def slow_body_detail(received: int, seconds: float, min_kb_per_s: float) -> str:
    return (
        f"Request body too slow: {received} bytes in {seconds:.1f} s, under the "
        f"{min_kb_per_s:g} KB/s a body must average ({MIN_BODY_RATE_VAR}); send the request "
        "again over a faster connection"
    )


class StalledBodyMiddleware:
    """Bound the wait for each piece of a request's body while the app wants more of it,
    and the body's average rate.

    The rate counts only the time spent waiting for the client (not the app's own work
    between reads, during which the client is held back by TCP flow control), and only
    after ``timeout_s`` of it: a slow start, a proxy that buffers, or a body of a few bytes
    is never cut off. From then on the body must have arrived at ``min_bytes_per_s`` on
    average, so a client at any steady rate above it finishes, however large its body.

    Once the body is complete, ``receive`` only reports a disconnect (an event stream
    waits on it for hours) and is left alone. A stall after the response began cannot be
    answered any more; the app is told the client is gone instead."""

    def __init__(
        self,
        app: ASGIApp,
        timeout_s: float,
        min_bytes_per_s: float = DEFAULT_MIN_BODY_KB_PER_S * 1024,
    ) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.min_bytes_per_s = min_bytes_per_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_done = False
        responding = False
        received = 0
        waited = 0.0  # seconds spent waiting for the client's bytes

        async def bounded_receive() -> Message:
            nonlocal body_done, received, waited
            if body_done:
                return await receive()
            # When the average falls under the minimum, unless more arrives before then.
            rate_left = self.timeout_s + received / self.min_bytes_per_s - waited
            wait = min(self.timeout_s, rate_left)
            started = anyio.current_time()
            with anyio.move_on_after(max(wait, 0.0)) as waiting:
                message = await receive()
            waited += anyio.current_time() - started
            if waiting.cancelled_caught:
                self._timed_out(scope, too_slow=wait < self.timeout_s, received=received,
                                waited=waited, responding=responding)  # fmt: skip
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def watching_send(message: Message) -> None:
            nonlocal responding
            if message["type"] == "http.response.start":
                responding = True
            await send(message)

        await self.app(scope, bounded_receive, watching_send)

    def _timed_out(
        self, scope: Scope, *, too_slow: bool, received: int, waited: float, responding: bool
    ) -> None:
        """Answer 408 (raised), or return when the response has begun: then the app
        hears that the client is gone."""
        client = (scope.get("client") or ("unknown", 0))[0]
        if too_slow:
            kb_per_s = self.min_bytes_per_s / 1024
            log.info("⏱️  %s %s from %s: body too slow (%d bytes in %.1f s, under %g KB/s); "
                     "answered 408", scope["method"], scope["path"], client, received, waited,
                     kb_per_s)  # fmt: skip
            detail = slow_body_detail(received, waited, kb_per_s)
        else:
            log.info("⏱️  %s %s from %s: body stalled for %g s; answered 408",
                     scope["method"], scope["path"], client, self.timeout_s)  # fmt: skip
            detail = stalled_body_detail(self.timeout_s)
        if not responding:
            raise HTTPException(408, detail, headers={"Connection": "close"})


_TIMEOUT_BODY = b"Request head incomplete: the request took too long to arrive\n"
REQUEST_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n"
    b"Content-Length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\n\r\n" + _TIMEOUT_BODY
)


# How long a stopping server gives a finished TLS connection to flush before letting go.
TLS_LET_GO_S = 0.5


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head: armed when the
    connection opens and when a response ends, disarmed when a complete head arrives. A
    deadline, not an idle timer, so a head sent a byte at a time is cut off too; and the
    unread rest of a body the app answered without reading is bounded the same way.

    ``head_timeout_s`` defaults to ``REQUEST_TIMEOUT_S`` from the environment, so that
    uvicorn can build the protocol from its name in each worker process."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        head_timeout_s: float | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_timeout_s = (
            request_timeout_from_env() if head_timeout_s is None else head_timeout_s
        )
        self._head_deadline: asyncio.TimerHandle | None = None
        self._server_stopping = False
        self._lost = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        self._server_stopping = True
        super().shutdown()
        self._let_go_when_closed()

    def _let_go_when_closed(self) -> None:
        """A TLS connection that closes waits for the client's close_notify, and a client
        that keeps the connection in its pool, unread, never sends one: a bandmate's app
        held the stopping server for its whole grace period. Once the server stops and a
        connection has no request left, it is let go after a moment to flush its last bytes."""
        transport = self.transport
        if transport.is_closing() and transport.get_extra_info("ssl_object") is not None:
            self.loop.call_later(TLS_LET_GO_S, self._abort_unless_lost)

    def _abort_unless_lost(self) -> None:
        if not self._lost:
            self.transport.abort()

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's head arrived: the app has it now
            self._disarm_head_deadline()

    def on_response_complete(self) -> None:
        # Armed first: the pipelined request uvicorn may start below disarms it.
        if not self.transport.is_closing():
            self._arm_head_deadline()
        super().on_response_complete()
        if self._server_stopping:  # the last response of a connection the stop let finish
            self._let_go_when_closed()

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_deadline = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return
        pending, _closed = self.conn.trailing_data
        # A response is only owed to the start of a request: an idle connection just ends.
        if pending and self.conn.our_state is h11.IDLE and self.conn.their_state is h11.IDLE:
            client = self.client[0] if self.client else "unknown"
            log.info("⏱️  Request head from %s incomplete after %g s; answered 408",
                     client, self.head_timeout_s)  # fmt: skip
            self.transport.write(REQUEST_TIMEOUT_RESPONSE)
        self.transport.close()
