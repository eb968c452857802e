"""Run the app under uvicorn in a background thread on 127.0.0.1 with a free port.

For tests and benchmarks that need real HTTP in the same process; production runs
``sequencer-server`` instead.
"""

from __future__ import annotations

import functools
import threading
import time

import uvicorn
from starlette.types import ASGIApp

from sequencer_server.config import DEFAULT_REQUEST_TIMEOUT_S
from sequencer_server.listen import tcp_listener
from sequencer_server.quiet_server import QuietServer
from sequencer_server.slow_clients import HeadTimeoutProtocol

STREAM_GRACE_S = 1


class ThreadedServer:
    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        log_level: str = "warning",
        access_log: bool = False,
        port: int = 0,
        head_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
    ) -> None:
        self.app = app
        self._sock = tcp_listener(host, port)
        self.host, self.port = self._sock.getsockname()[:2]
        self.url = f"http://{self.host}:{self.port}"
        # Open event streams never end by themselves: stop() cuts them after a short grace
        # (as sequencer-server does), so their clients see the server go and reconnect.
        config = uvicorn.Config(
            app,
            log_level=log_level,
            access_log=access_log,
            lifespan="on",
            timeout_graceful_shutdown=STREAM_GRACE_S,
            # the protocol sequencer-server runs, so tests meet its request head deadline
            http=functools.partial(HeadTimeoutProtocol, head_timeout_s=head_timeout_s),  # type: ignore[arg-type]
        )
        events = getattr(getattr(app, "state", None), "events", None)
        self._server = QuietServer(config, before_shutdown=events.end_streams if events else None)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self, timeout: float = 10.0) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
