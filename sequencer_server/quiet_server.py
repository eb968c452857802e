"""uvicorn's ``Server`` without its 10 Hz housekeeping tick.

uvicorn's main loop sleeps 0.1 s between checks of ``should_exit``, so an idle server
wakes ten times a second for nothing; the embedded server runs for as long as the app
does, and those wake-ups were most of its idle CPU. ``QuietServer`` does the same
housekeeping once a second (uvicorn itself only refreshes its ``Date`` header at that
rate) and wakes at once when ``should_exit`` is set — from a signal handler, the parent
watcher's thread or a test — so stopping is as prompt as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

import uvicorn

TICK_S = 1.0
_TICKS_PER_SECOND = 10  # uvicorn's on_tick counts tenths of a second


class QuietServer(uvicorn.Server):
    """``before_shutdown`` runs on the server's loop as soon as it starts to stop, before
    uvicorn waits for open requests: the app ends what would never end by itself."""

    def __init__(
        self, config: uvicorn.Config, before_shutdown: Callable[[], None] | None = None
    ) -> None:
        self._before_shutdown = before_shutdown
        self._exit_requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit_event: asyncio.Event | None = None
        super().__init__(config)

    @property
    def should_exit(self) -> bool:
        return self._exit_requested

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._exit_requested = value
        loop, event = self._loop, self._exit_event
        if value and loop is not None and event is not None and not loop.is_closed():
            # Thread-safe, and safe from a signal handler: it only writes the loop's
            # self-pipe, which wakes the wait below.
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(event.set)

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._exit_event = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + _TICKS_PER_SECOND) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_event.wait(), TICK_S)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._before_shutdown is not None:
            self._before_shutdown()
        await super().shutdown(sockets)
