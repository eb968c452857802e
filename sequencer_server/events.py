"""The live event broker: one per server process, fanning the store's change sequence out
to the process's ``GET /api/v1/events`` listeners.

The store is the only source of truth, so several processes or replicas need no link
between them: while a process has listeners it reads the changes after the last one it
saw whenever the store's change signal (``store.change_signals``) says there may be some
— SQLite's ``data_version``, a MongoDB change stream, or simply every tick — and a write
through this process wakes it at once so loopback latency stays a query away. Either way
changes are read by sequence number, so a signal that fires twice or late repeats or loses
nothing. On MongoDB a change can take its number a moment before a lower number becomes
visible (another replica's write in flight), so the cursor only moves past changes older
than the settle window, and the changes already sent above it are remembered so none goes
out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from sequencer_server.store import Change
from sequencer_server.store.change_signals import ChangeSignal, EveryTick

log = logging.getLogger("sequencer_server.events")

QUEUE_SIZE = 1000
PAGE = 500
SETTLE_MS = {"sqlite": 0}
DEFAULT_SETTLE_MS = 2000


class ChangeSource(Protocol):
    """The part of a message store the broker reads."""

    name: str

    def cursor(self) -> int: ...
    def revocations(self) -> int: ...
    def change_signal(self) -> ChangeSignal: ...
    def changes_after(self, since: int, limit: int) -> list[Change]: ...
    def get_thread(self, thread_id: str) -> dict[str, Any] | None: ...


# A change and its thread as the store has it now (None: gone), which decides who sees it.
Item = tuple[Change, dict[str, Any] | None]


class Recheck:
    """Queued to every stream when the store's revocation counter moved (a user was
    revoked, by any process): check the stream's token again before anything after it is
    sent. The only time a stream asks the store about its token after the first."""


RECHECK = Recheck()


@dataclass(eq=False)
class Listener:
    """One stream's bounded queue; ``None`` in it means the broker dropped the stream."""

    queue: asyncio.Queue[Item | Recheck | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )
    dropped: bool = False


class Broker:
    def __init__(
        self,
        store: ChangeSource,
        interval_s: float | None = None,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        """``interval_s``: tick at this rate and read at every tick (tests), instead of
        the store's own change signal."""
        self._store = store
        self._interval_s = interval_s
        self._queue_size = queue_size
        self._listeners: set[Listener] = set()
        self._woken = False  # read now
        self._nudged = False  # ask the change signal now
        self._waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False  # the tail's last listener left; it is closing its signal
        self._cursor: int | None = None
        self._revocations: int | None = None
        self._sent_above: set[int] = set()
        self._settle_ms = SETTLE_MS.get(store.name, DEFAULT_SETTLE_MS)
        # Rendered frames by (seq, base URL), shared by the listeners (routes.events).
        self.frames: dict[tuple[int, str], str] = {}

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    @property
    def revocations(self) -> int | None:
        """The store's revocation counter as last read (once per read of the change
        sequence, for every stream); None while nobody listens. Streams ask the store
        about their tokens only when it moves (``stream_access``)."""
        return self._revocations

    async def subscribe(self) -> Listener:
        listener = Listener(asyncio.Queue(maxsize=self._queue_size))
        task = self._task
        if task is not None and self._stopping and not task.done():
            # A tail whose last listener left ends once its signal is closed; a listener
            # added to it now would be left with no tail at all. Start after it instead.
            await asyncio.wait({task})
        if self._cursor is None:
            self._cursor = await asyncio.to_thread(self._store.cursor)
            self._revocations = await asyncio.to_thread(self._store.revocations)
        self._listeners.add(listener)
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._tail())
        return listener

    def _open_signal(self, loop: asyncio.AbstractEventLoop) -> ChangeSignal:
        """The store's signal, started (on a worker: asking MongoDB what it is waits for an
        answer)."""
        if self._interval_s is not None:
            signal: ChangeSignal = EveryTick()
            signal.interval_s = self._interval_s
        else:
            signal = self._store.change_signal()

        def wake_from_anywhere() -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._nudge)

        signal.start(wake_from_anywhere)
        return signal

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    def wake(self) -> None:
        """A write committed in this process: look for it now, not at the next tick."""
        self._woken = True
        if self._waiter is not None:
            _resolve(self._waiter)

    def _nudge(self) -> None:
        """The change signal saw something: ask it now (not at the next tick) whether to
        read — a notification for a write already read costs no query."""
        self._nudged = True
        if self._waiter is not None:
            _resolve(self._waiter)

    async def _nap(self, seconds: float) -> bool:
        """Sleep until the next tick or a wake, whichever is first; True if woken. A bare
        future and a timer: ``wait_for`` on an event costs a task and its cancellation
        per tick, which made most of an idle server's CPU."""
        if not (self._woken or self._nudged):
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(seconds, _resolve, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        woken, self._woken, self._nudged = self._woken, False, False
        return woken

    def end_streams(self) -> None:
        """End every open stream now: the server is stopping. Streams never end by
        themselves, so the server waited out its whole grace period (the desktop app then
        killed its embedded server); their clients reconnect with Last-Event-ID."""
        for listener in list(self._listeners):
            self._drop(listener)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.end_streams()

    async def with_threads(self, changes: list[Change]) -> list[Item]:
        """Each change with its thread, read once per thread for every listener."""

        def read() -> list[Item]:
            threads: dict[str, dict[str, Any] | None] = {}
            for change in changes:
                if change.kind == "thread":
                    threads[change.thread_id] = change.doc
                elif change.thread_id not in threads:
                    threads[change.thread_id] = self._store.get_thread(change.thread_id)
            return [(c, threads[c.thread_id]) for c in changes]

        return await asyncio.to_thread(read) if changes else []

    async def _tail(self) -> None:
        loop = asyncio.get_running_loop()
        signal = await asyncio.to_thread(self._open_signal, loop)
        try:
            while self._listeners:
                woken = await self._nap(signal.interval_s)
                changed = signal.changed()  # asked every tick: it notes what it has seen
                # Unsettled changes (MongoDB) are read again until the cursor passes them.
                if not (woken or changed or self._sent_above):
                    continue
                try:
                    await self._poll()
                except Exception:
                    log.exception("Event tail failed; trying again")
                    await asyncio.sleep(signal.interval_s)
        finally:
            self._stopping = True
            await asyncio.to_thread(signal.close)
            # The last listener left: the next one starts from the then current cursor.
            self._cursor = None
            self._revocations = None
            self._sent_above.clear()

    async def _poll(self) -> None:
        while self._cursor is not None:
            start = self._cursor
            changes = await asyncio.to_thread(self._store.changes_after, start, PAGE)
            items = await self.with_threads([c for c in changes if c.seq not in self._sent_above])
            # Read after the changes: a change made after a revocation comes after a
            # Recheck, so a revoked user's stream ends before it could carry it.
            revocations = await asyncio.to_thread(self._store.revocations)
            if revocations != self._revocations:
                self._revocations = revocations
                self._publish(RECHECK)
            for item in items:
                self._publish(item)
                self._sent_above.add(item[0].seq)
            horizon = int(time.time() * 1000) - self._settle_ms
            settled = start
            moving = True
            for change in changes:
                if moving and change.changed_at <= horizon:
                    settled = change.seq
                else:
                    moving = False
            self._cursor = settled
            self._sent_above = {s for s in self._sent_above if s > settled}
            if len(changes) < PAGE or settled == start:
                return

    def _publish(self, item: Item | Recheck) -> None:
        for listener in list(self._listeners):
            try:
                listener.queue.put_nowait(item)
            except asyncio.QueueFull:
                log.warning("🔌 Dropping an event stream that stopped reading")
                self._drop(listener)

    def _drop(self, listener: Listener) -> None:
        """Free the queue and end the stream; the client reconnects with its last id."""
        self._listeners.discard(listener)
        listener.dropped = True
        while not listener.queue.empty():
            listener.queue.get_nowait()
        listener.queue.put_nowait(None)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class WakeOnWrite:
    """ASGI middleware: after any write request, wake the process's event tail."""

    def __init__(self, app: ASGIApp, wake: Callable[[], None]) -> None:
        self._app = app
        self._wake = wake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._app(scope, receive, send)
        finally:
            if scope["type"] == "http" and scope.get("method") not in ("GET", "HEAD"):
                self._wake()
