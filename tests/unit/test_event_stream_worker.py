"""EventStream's worker against a real HTTP server on loopback speaking SSE: it delivers
events, reconnects with Last-Event-ID after the connection ends, and stops promptly.

(The Sequencer server's own events route is tested end to end in
tests/gui/test_live_events.py; this one controls when the connection drops.)"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from desktop_app.services.event_stream import EventStream


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str | None, str | None]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append((self.headers.get("Last-Event-ID"), self.headers.get("Authorization")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if len(self.seen) == 1:
            # first connection: two events, then the server goes away
            self.wfile.write(b"retry: 50\n\n: ping\n\n")
            self.wfile.write(b'event: message\nid: 1\ndata: {"id": "a"}\n\n')
            self.wfile.write(b'event: deleted\nid: 2\ndata: {"id": "a", "parent_thread": "t"}\n\n')
            self.wfile.flush()
            return
        self.wfile.write(b'event: thread\nid: 3\ndata: {"id": "t"}\n\n')
        self.wfile.flush()
        time.sleep(10)  # no heartbeat: only stop() ends this read (the timeout is 30 s)


def test_reconnects_with_last_event_id_and_stops() -> None:
    _Handler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    events: list[tuple[str, dict, str | None]] = []
    states: list[bool] = []
    stream = EventStream(
        f"http://127.0.0.1:{server.server_address[1]}",
        "secret",
        lambda kind, data, cursor: events.append((kind, data, cursor)),
        states.append,
        read_timeout=30,
        backoff=(0.05,),
    )
    try:
        stream.start()
        deadline = time.monotonic() + 5
        while len(events) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert events[:3] == [
            ("message", {"id": "a"}, "1"),
            ("deleted", {"id": "a", "parent_thread": "t"}, "2"),
            ("thread", {"id": "t"}, "3"),
        ]
        assert _Handler.seen[0] == (None, "Bearer secret")
        assert _Handler.seen[1][0] == "2"  # every change after the last one seen
        assert states[:3] == [True, False, True]
    finally:
        started = time.monotonic()
        stream.stop(timeout=2.0)
        assert not stream.running and time.monotonic() - started < 1.5
        server.shutdown()
        server.server_close()
