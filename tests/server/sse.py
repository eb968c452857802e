"""A small Server-Sent Events reader for the tests: real HTTP (httpx streaming) on a
thread, parsed events handed over through a queue."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import TOKEN


@dataclass
class Event:
    event: str
    id: str | None
    data: str
    retry: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.data)


class SSEReader:
    """Reads ``GET /api/v1/events`` until closed; ``get()`` returns the next frame (events,
    ``retry`` frames and ``: ping`` comments, as ``Event("comment", ...)``)."""

    def __init__(
        self,
        url: str,
        token: str = TOKEN,
        last_event_id: str | None = None,
        since: int | None = None,
    ) -> None:
        self.frames: queue.Queue[Event | BaseException | None] = queue.Queue()
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        params: dict[str, Any] = {"token": token}
        if since is not None:
            params["since"] = since
        headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
        self._client = httpx.Client(timeout=httpx.Timeout(30.0, read=60.0))
        self._stop = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(f"{url}/api/v1/events", params, headers), daemon=True
        )
        self._thread.start()
        self._started.wait(10)

    def _run(self, url: str, params: dict[str, Any], headers: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, params=params, headers=headers) as response:
                self.status = response.status_code
                self.headers = response.headers
                self._started.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith(":"):
                        self.frames.put(Event("comment", None, line[1:].strip()))
                    elif line == "":
                        if fields:
                            self.frames.put(
                                Event(
                                    fields.get("event", "message" if "data" in fields else ""),
                                    fields.get("id"),
                                    fields.get("data", ""),
                                    fields.get("retry"),
                                )
                            )
                        fields = {}
                    else:
                        name, _, value = line.partition(":")
                        fields[name] = value[1:] if value.startswith(" ") else value
        except BaseException as exc:
            if not self._stop.is_set():
                self.frames.put(exc)
        finally:
            self._started.set()
            self.frames.put(None)

    def get(self, timeout: float = 10.0) -> Event | None:
        item = self.frames.get(timeout=timeout)
        if isinstance(item, BaseException):
            raise item
        return item

    def next_event(self, timeout: float = 10.0, skip: tuple[str, ...] = ("comment",)) -> Event:
        """The next frame that is an event (not a ping, not the retry frame)."""
        while True:
            frame = self.get(timeout)
            assert frame is not None, "the stream ended"
            if frame.event in skip or (frame.retry is not None and not frame.data):
                continue
            return frame

    def messages_until(
        self, ids: list[str], timeout: float = 10.0, quiet_s: float = 0.5
    ) -> list[Event]:
        """Message events until every one of ``ids`` has come (however slow a loaded
        machine is), then those that follow within ``quiet_s`` — where a duplicate or an
        unexpected extra would show."""
        out: list[Event] = []
        waiting = set(ids)
        deadline = time.monotonic() + timeout
        while waiting:
            event = self.next_event(max(0.01, deadline - time.monotonic()))
            if event.event == "message":
                out.append(event)
                waiting.discard(event.json["id"])
        return out + self.events_until_quiet(quiet_s, kind="message")

    def events_until_quiet(self, quiet_s: float = 1.0, kind: str | None = None) -> list[Event]:
        """Every event that comes until none has come for ``quiet_s`` (pings aside)."""
        out: list[Event] = []
        quiet_until = time.monotonic() + quiet_s
        while (left := quiet_until - time.monotonic()) > 0:
            try:
                frame = self.get(left)
            except queue.Empty:
                break
            if frame is None:
                break
            if frame.event == "comment" or (frame.retry is not None and not frame.data):
                continue
            quiet_until = time.monotonic() + quiet_s
            if kind is None or frame.event == kind:
                out.append(frame)
        return out

    def close(self) -> None:
        """Stop at the next frame (the short test heartbeat brings one soon)."""
        self._stop.set()
        self._thread.join(10)
        self._client.close()

    def __enter__(self) -> SSEReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
