"""A small TCP proxy on loopback that can cut connections, to test a network that fails
in the middle of an upload."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to ``target``. While ``cut_after`` is set, a connection
    that has sent more than that many bytes upstream is dropped (both sides closed)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.cut_after: int | None = None
        self.upstream_delay = 0.0  # seconds per 64 kB sent upstream: a slow uplink
        self.cuts = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> CuttingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            state = {"sent": 0, "dead": False}
            threading.Thread(
                target=self._pipe, args=(client, upstream, state, True), daemon=True
            ).start()
            threading.Thread(
                target=self._pipe, args=(upstream, client, state, False), daemon=True
            ).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, state: dict, upstream: bool) -> None:
        try:
            while not state["dead"]:
                data = src.recv(65536)
                if not data:
                    break
                if upstream:
                    if self.upstream_delay:
                        time.sleep(self.upstream_delay)
                    state["sent"] += len(data)
                    if self.cut_after is not None and state["sent"] > self.cut_after:
                        self.cuts += 1
                        break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            state["dead"] = True
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
