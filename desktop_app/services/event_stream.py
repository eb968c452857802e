"""The server's live events (``GET /api/v1/events``, server-sent events) on a worker thread.

Own parser rather than sseclient-py: the format is a dozen lines of rules (WHATWG "event
stream interpretation"), and owning them lets the worker see the heartbeat comments too —
each one proves the connection alive, so the read timeout only has to sit a little above
the heartbeat interval to notice a dead peer.

``EventStream`` runs one daemon thread: connect (``Last-Event-ID`` once it has a cursor, so
every change after it comes exactly once), read, hand each event to ``on_event``; on any
failure wait (backoff, or the server's ``retry:``) and connect again, until ``stop()``.
Callbacks run on the worker: the caller hands them to its own thread (the session does so
with a queued Qt signal). No Qt here.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from desktop_app.services.pinning import CertificateMismatch, pin

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/events"
READ_TIMEOUT = 40.0  # the server's heartbeat comes every 15 s
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass(frozen=True)
class SseEvent:
    """One dispatched event: its type (``message`` by default), data and the last id seen."""

    event: str
    data: str
    id: str | None


class SseParser:
    """Lines in, events out. ``feed(line)`` (without its line ending) returns the event a
    blank line completes, if any; ``retry_ms`` holds the last valid ``retry:`` field."""

    def __init__(self) -> None:
        self.last_id: str | None = None
        self.retry_ms: int | None = None
        self.comments = 0
        self._event = ""
        self._data: list[str] = []

    def feed(self, line: str) -> SseEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self.last_id = value
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        # any other field is ignored, as the standard says
        return None

    def _dispatch(self) -> SseEvent | None:
        data, event = self._data, self._event or "message"
        self._data, self._event = [], ""
        if not data:
            return None  # an id or retry alone dispatches nothing
        return SseEvent(event, "\n".join(data), self.last_id)

    def feed_all(self, lines: Iterable[str]) -> Iterator[SseEvent]:
        for line in lines:
            event = self.feed(line)
            if event is not None:
                yield event


def split_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """UTF-8 lines ending in CRLF, LF or CR, from chunks cut anywhere (even between CR and
    LF). An unfinished last line is dropped: its event was never completed."""
    pending = b""
    skip_lf = False
    for chunk in chunks:
        if not chunk:
            continue
        if skip_lf and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        skip_lf = False
        pending += chunk
        while True:
            cr, lf = pending.find(b"\r"), pending.find(b"\n")
            ends = [i for i in (cr, lf) if i >= 0]
            if not ends:
                break
            end = min(ends)
            line, rest = pending[:end], pending[end + 1 :]
            if pending[end : end + 1] == b"\r":
                if rest.startswith(b"\n"):
                    rest = rest[1:]
                elif not rest:
                    skip_lf = True  # the LF of this CRLF may be in the next chunk
            pending = rest
            yield line.decode("utf-8", errors="replace")


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The connection's socket: urllib3 keeps it on the connection while the body is read
    in chunks; for a body framed by closing the connection, only the http.client response
    underneath holds it."""
    raw = response.raw
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if not isinstance(sock, socket.socket):
        reader = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives, whatever its framing: ``read1`` returns what one read of the
    socket gives (``iter_content`` would wait for the end of a body sent without chunks)."""
    raw = response.raw
    while True:
        chunk = raw.read1(65536, decode_content=True)
        if not chunk:
            return
        yield chunk


EventCallback = Callable[[str, dict[str, Any], str | None], None]


class EventStream:
    """``EventStream(base_url, token, on_event, on_state)``: ``on_event(kind, data, id)``
    for each event whose data is a JSON object; ``on_state(True)`` once connected,
    ``on_state(False)`` when the connection is lost (it retries by itself).
    ``fingerprint``: the pinned certificate of a self-signed HTTPS server, the same pin
    the API client uses (no certificate authority vouches for a bandmate's laptop).
    ``last_event_id``: resume after it; ``on_cursor(id)`` (on the worker) whenever the
    stream moves past another id, so a later stream can resume there."""

    def __init__(
        self,
        base_url: str,
        token: str,
        on_event: EventCallback,
        on_state: Callable[[bool], None],
        *,
        last_event_id: str | None = None,
        on_cursor: Callable[[str], None] | None = None,
        fingerprint: str | None = None,
        read_timeout: float = READ_TIMEOUT,
        backoff: Sequence[float] = BACKOFF,
    ) -> None:
        self._url = base_url.rstrip("/") + EVENTS_PATH
        self._token = token
        self._fingerprint = fingerprint
        self._on_event = on_event
        self._on_state = on_state
        self.last_event_id = last_event_id
        self._on_cursor = on_cursor
        self._read_timeout = read_timeout
        self._backoff = tuple(backoff)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._response: requests.Response | None = None
        self._thread: threading.Thread | None = None
        self.connects = 0  # successful connections, for tests and logs
        self.refused = False  # the server showed a certificate other than the pinned one

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="event-stream", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 2.0) -> None:
        """End the stream: shutting the socket down wakes a read blocked on it (closing the
        response from here would wait for the reader's lock, i.e. the next heartbeat)."""
        self._stop.set()
        with self._lock:
            response = self._response
        sock = _socket_of(response) if response is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed by the reader
                log.debug("shutting the event stream down", exc_info=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        failures = 0
        retry_ms: int | None = None
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {self._token}"
            session.headers["Accept"] = "text/event-stream"
            session.headers["User-Agent"] = "Sequencer-desktop"
            pin(session, self._url, self._fingerprint)
            while not self._stop.is_set():
                try:
                    got_events, retry_ms = self._listen(session)
                    failures = 0 if got_events else failures + 1
                except CertificateMismatch as exc:
                    failures += 1  # said once: the retries see the same certificate
                    if not self._stop.is_set() and not self.refused:
                        log.warning(
                            "event stream refused: the server at %s shows a certificate "
                            "other than the pinned one (%s)",
                            self._url,
                            exc,
                        )
                    self.refused = True
                except Exception as exc:  # any failure: the stream retries, never dies
                    failures += 1
                    if not self._stop.is_set():
                        log.info("event stream lost: %s", exc)
                if self._stop.is_set():
                    break
                self._on_state(False)
                delay = self._backoff[min(max(failures - 1, 0), len(self._backoff) - 1)]
                if retry_ms is not None and failures <= 1:
                    delay = retry_ms / 1000
                self._stop.wait(delay)

    def _listen(self, session: requests.Session) -> tuple[bool, int | None]:
        """One connection, read until it ends; returns (connected at all, server's retry)."""
        headers = {"Last-Event-ID": self.last_event_id} if self.last_event_id else {}
        response = session.get(
            self._url, headers=headers, stream=True, timeout=(5.0, self._read_timeout)
        )
        with self._lock:
            self._response = response
        if self._stop.is_set():
            response.close()
            return False, None
        try:
            if response.status_code != 200:
                raise requests.HTTPError(f"{response.status_code} from {EVENTS_PATH}")
            self.connects += 1
            self._on_state(True)
            parser = SseParser()
            for line in split_lines(_arriving(response)):
                if self._stop.is_set():
                    break
                event = parser.feed(line)
                # A block's id counts even without data (the server opens each stream
                # with its cursor): the standard sets it at every dispatch.
                moved = line == "" and parser.last_id not in (None, self.last_event_id)
                if moved:
                    self.last_event_id = parser.last_id
                if event is not None:
                    self._deliver(event)
                if moved and self._on_cursor is not None and self.last_event_id:
                    self._on_cursor(self.last_event_id)  # once the event is handed on
            return True, parser.retry_ms
        finally:
            with self._lock:
                self._response = None
            response.close()

    def _deliver(self, event: SseEvent) -> None:
        try:
            data = json.loads(event.data)
        except (ValueError, RecursionError):
            log.warning("event %r with data that is not JSON", event.event)
            return
        if isinstance(data, dict):
            self._on_event(event.event, data, event.id)
