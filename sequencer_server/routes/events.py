"""``GET /api/v1/events``: Server-Sent Events for every thread the caller can see.

Each event's ``id`` is the store's change sequence number (the poll API's cursor), so a
client reconnecting with ``Last-Event-ID`` (or ``?since=``) first gets every change after
it, then live ones, each once. A cursor that cannot be replayed — older than the deletions
the store still remembers (they are pruned after a retention period), or newer than any
change (the store was replaced) — gets one ``reset`` event instead of a silent gap: its
``id`` is the current cursor, and the client reloads what it shows through the polling
API. The stream's first frame (``retry:``) also carries an ``id:``, the cursor the stream
starts from, so a client holds one even if no event comes before it loses the connection.
A user's stream ends once the user is revoked (``sequencer_server.stream_access``).
A plain ``StreamingResponse`` serves it: the frames are three lines each, and the
broker (``sequencer_server.events``) does the rest.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import StreamingResponse

from sequencer_server.auth import credentials_of
from sequencer_server.deps import CurrentUser, PresenterDep, SinceCursor, StoreDep
from sequencer_server.events import PAGE, Broker, Recheck
from sequencer_server.membership import can_see, public_thread
from sequencer_server.presenters import MessagePresenter
from sequencer_server.slots import Slots
from sequencer_server.store import Change
from sequencer_server.stream_access import StreamAccess
from sequencer_server.users import User

router = APIRouter(prefix="/api/v1", tags=["events"])

RETRY_MS = 3000
CACHE_SIZE = 256


def stream_slots(request: Request) -> Slots:
    """The app's slots, made on first use (on the event loop: no race)."""
    slots = getattr(request.app.state, "stream_slots", None)
    if slots is None:
        # A token is no licence to hold every socket; the shared service token stands
        # for a whole band, so it counts per client address instead (_stream_owner).
        slots = Slots(
            request.app.state.settings.max_streams_per_user,
            "Too many event streams open for this user: at most {limit} "
            "(MAX_STREAMS_PER_USER); close one and retry",
        )
        request.app.state.stream_slots = slots
    return slots


def _stream_owner(request: Request, user: User) -> str:
    if not user.service:
        return f"user:{user.name}"
    return f"service:{request.client.host if request.client else 'unknown'}"


class ChangeCursors(Protocol):
    def cursor(self) -> int: ...
    def pruned_through(self) -> int: ...


def _reset(start: int, store: ChangeCursors) -> tuple[int, str] | None:
    """(the cursor to go on from, the ``reset`` frame) for a cursor the store cannot
    replay from; None when it can."""
    pruned, newest = store.pruned_through(), store.cursor()
    if 0 < start < pruned:
        why = "is older than the changes this server still remembers"
    elif start > newest:
        why = "is newer than any change of this server"
    else:
        return None
    data = json.dumps({"reason": f"event id {start} {why}: reload", "cursor": newest})
    return newest, f"id: {newest}\nevent: reset\ndata: {data}\n\n"


def _start(last_event_id: str | None, since: int | None) -> int | None:
    if last_event_id is None or not last_event_id.strip():
        return since
    try:
        value = int(last_event_id)
    except ValueError:
        value = -1
    if not 0 <= value < 2**63:
        detail = f"Last-Event-ID: {last_event_id[:40]!r} is not an event id of this server"
        raise HTTPException(422, detail)
    return value


class _Frames:
    """Turns changes into the SSE frames one user may see."""

    def __init__(
        self,
        cache: dict[tuple[int, str], str],
        present: MessagePresenter,
        base_url: str,
        user: User,
    ) -> None:
        self._cache = cache
        self._present = present
        self._base_url = base_url
        self.user = user

    def frame(self, change: Change, thread: dict[str, Any] | None) -> str | None:
        """What this user sees of the change; rendered once for all who may see it (the
        listeners of one server share its address, and members share signed URLs)."""
        if thread is None or not can_see(thread, self.user):
            return None
        key = (change.seq, self._base_url)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._render(change, thread)
            while len(self._cache) > CACHE_SIZE:
                del self._cache[next(iter(self._cache))]
        return cached

    def _render(self, change: Change, thread: dict[str, Any]) -> str:
        data: dict[str, Any]
        if change.kind == "message":
            data = self._present.message(change.doc, thread)
        elif change.kind == "thread":
            data = public_thread(change.doc)
        else:
            data = change.doc
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        return f"id: {change.seq}\nevent: {change.kind}\ndata: {text}\n\n"


@router.get(
    "/events",
    response_class=StreamingResponse,
    summary="Live changes of every visible thread (Server-Sent Events)",
    responses={200: {"content": {"text/event-stream": {}}}, 401: {}, 422: {}, 429: {}},
)
async def events(
    request: Request,
    user: CurrentUser,
    store: StoreDep,
    present: PresenterDep,
    since: SinceCursor = None,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> StreamingResponse:
    start = _start(last_event_id, since)
    free_slot = stream_slots(request).take(_stream_owner(request, user))
    credentials = credentials_of(request)  # a GET: the token is the header's or the query's
    broker: Broker = request.app.state.events
    access = StreamAccess(
        request.app.state.authenticator.identify,
        credentials.header or credentials.query,
        user,
        lambda: broker.revocations,
    )
    try:
        return await _open_stream(request, access, store, present, start, free_slot)
    except BaseException:
        free_slot()
        raise


async def _open_stream(
    request: Request,
    access: StreamAccess,
    store: StoreDep,
    present: MessagePresenter,
    start: int | None,
    free_slot: Callable[[], None],
) -> StreamingResponse:
    # Read before subscribing: every change after it reaches this stream (live or by
    # the client's replay from this id), none is skipped between the two.
    opened_at = await asyncio.to_thread(store.cursor) if start is None else start
    broker: Broker = request.app.state.events
    heartbeat = request.app.state.settings.sse_heartbeat_s
    frames = _Frames(broker.frames, present, str(request.base_url), access.user)
    listener = await broker.subscribe()

    async def stream() -> AsyncIterator[str]:
        try:
            sent: set[int] = set()
            floor = opened_at
            cursor: int | None = opened_at
            reset = None if start is None else await asyncio.to_thread(_reset, start, store)
            if reset is not None:
                # Whatever changed up to now comes with the client's reload.
                cursor = floor = reset[0]
                yield f"retry: {RETRY_MS}\n\n{reset[1]}"
            else:
                yield f"retry: {RETRY_MS}\nid: {opened_at}\n\n"
            while cursor is not None:
                page = await broker.with_threads(
                    await asyncio.to_thread(store.changes_after, cursor, PAGE)
                )
                if not await access.still_allowed():
                    return
                frames.user = access.user
                for change, thread in page:
                    sent.add(change.seq)
                    if (frame := frames.frame(change, thread)) is not None:
                        yield frame
                cursor = page[-1][0].seq if len(page) == PAGE else None
            ping_at = time.monotonic() + heartbeat
            while True:
                wait = ping_at - time.monotonic()
                try:
                    item = await asyncio.wait_for(listener.queue.get(), max(0.0, wait))
                except TimeoutError:
                    if time.monotonic() >= ping_at:
                        ping_at = time.monotonic() + heartbeat
                        yield ": ping\n\n"
                    continue
                ping_at = time.monotonic() + heartbeat
                if item is None:
                    return
                if isinstance(item, Recheck):  # someone was revoked: are we?
                    if not await access.still_allowed():
                        return
                    continue
                change, thread = item
                if change.seq in sent or change.seq <= floor:
                    continue
                if (frame := frames.frame(change, thread)) is not None:
                    if not await access.still_allowed():
                        return
                    frames.user = access.user
                    yield frame
        finally:
            broker.unsubscribe(listener)
            free_slot()

    body = stream()
    # A stream never started (the client left before its first byte) runs no finally.
    weakref.finalize(body, free_slot)
    weakref.finalize(body, broker.unsubscribe, listener)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)
