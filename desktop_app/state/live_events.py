"""Whether this server pushes its changes, and the pushed changes on the GUI thread.

``start()`` asks ``/healthz`` (on a worker) for the server's features; a server that lists
``events`` gets an ``EventStream``, any other (a seed-only server) none — the session then
keeps today's polling. The stream's callbacks run on its worker thread and only emit this
object's signals, which Qt queues to the GUI thread: no model is touched off it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from desktop_app.services.event_stream import EventCallback, EventStream
from desktop_app.services.tasks import Submit

log = logging.getLogger(__name__)


class EventsServer(Protocol):
    """The part of ``ApiClient`` that says where the stream is, which certificate it may
    show (a joined self-signed server's pin) and whether there is one."""

    @property
    def base_url(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def fingerprint(self) -> str | None: ...
    def health(self) -> dict[str, Any]: ...


class Stream(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float | None = ...) -> None: ...


class EventCursor(Protocol):
    """Where the id of the last event had is kept between sessions (the local store)."""

    def event_cursor(self) -> str | None: ...
    def set_event_cursor(self, last_event_id: str) -> None: ...


StreamFactory = Callable[
    [EventsServer, EventCallback, Callable[[bool], None], str | None, Callable[[str], None]],
    Stream,
]


def _event_stream(
    server: EventsServer,
    on_event: EventCallback,
    on_state: Callable[[bool], None],
    last_event_id: str | None,
    on_cursor: Callable[[str], None],
) -> Stream:
    """Pinned as the API client is: a stream that trusted less would never connect to a
    self-signed server, one that trusted more would accept a stranger's certificate."""
    return EventStream(
        server.base_url,
        server.token,
        on_event,
        on_state,
        last_event_id=last_event_id,
        on_cursor=on_cursor,
        fingerprint=server.fingerprint,
    )


class LiveEvents(QObject):
    """``received(kind, data)``: ``message`` / ``deleted`` / ``thread`` / ``reset`` and its
    JSON; ``streamingChanged(bool)``: the stream is open (True) or lost and retrying
    (False); ``offerKnown(bool)``: whether the server offers events (False: a seed-only
    server, polled)."""

    received = Signal(str, object)
    streamingChanged = Signal(bool)
    offerKnown = Signal(bool)  # the server said whether it offers events at all
    _fromWorker = Signal(str, object)
    _stateFromWorker = Signal(bool)

    def __init__(
        self,
        server: EventsServer,
        submit: Submit,
        parent: QObject | None = None,
        *,
        stream_factory: StreamFactory = _event_stream,
        cursor: EventCursor | None = None,
    ) -> None:
        super().__init__(parent)
        self._server = server
        self._submit = submit
        self._factory = stream_factory
        self._cursor = cursor
        self._stream: Stream | None = None
        self._asking = False
        self._closed = False
        self.offered: bool | None = None  # None: not known yet (the server not reached)
        self.streaming = False
        self._fromWorker.connect(self._deliver)
        self._stateFromWorker.connect(self._set_streaming)

    def start(self) -> None:
        """Ask the server whether it pushes events (again, if it was not reachable)."""
        if self._closed or self._asking or self.offered is not None:
            return
        self._asking = True
        self._submit(self._server.health, on_done=self._on_health, on_error=self._on_no_health)

    def _on_health(self, health: dict[str, Any]) -> None:
        self._asking = False
        features = health.get("features") if isinstance(health, dict) else None
        self.offered = isinstance(features, list) and "events" in features
        if not self._closed:
            self.offerKnown.emit(self.offered)
        if self._closed or not self.offered:
            log.info("the server offers no events: polling")
            return
        if self._cursor is None:
            self._listen(None)
        else:
            self._submit(
                self._cursor.event_cursor,
                on_done=self._listen,
                on_error=lambda exc: self._listen(None),
            )

    def _listen(self, last_event_id: str | None) -> None:
        if self._closed or self._stream is not None:
            return
        log.info("listening to the server's events (after %s)", last_event_id or "now")
        self._stream = self._factory(
            self._server,
            self._on_worker_event,
            self._on_worker_state,
            last_event_id,
            self._keep_cursor,
        )
        self._stream.start()

    def _keep_cursor(self, last_event_id: str) -> None:
        """On the stream's worker: the store takes it from any thread."""
        if self._cursor is None or self._closed:
            return
        try:
            self._cursor.set_event_cursor(last_event_id)
        except Exception:  # a closing store: the next session resumes a little earlier
            log.debug("could not keep the event id", exc_info=True)

    def _on_no_health(self, exc: BaseException) -> None:
        self._asking = False  # asked again once the server answers something
        log.info("could not ask the server for its features: %s", exc)

    # The stream's worker calls these two: they only emit, and Qt queues the signal.
    def _on_worker_event(self, kind: str, data: dict[str, Any], _cursor: str | None) -> None:
        self._fromWorker.emit(kind, data)

    def _on_worker_state(self, connected: bool) -> None:
        self._stateFromWorker.emit(connected)

    def _deliver(self, kind: str, data: object) -> None:
        if not self._closed:
            self.received.emit(kind, data)

    def _set_streaming(self, connected: bool) -> None:
        if self._closed or connected == self.streaming:
            return
        self.streaming = connected
        self.streamingChanged.emit(connected)

    def close(self) -> None:
        """Stop the stream (its worker ends within the read of the socket closing)."""
        self._closed = True
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop(timeout=1.0)
