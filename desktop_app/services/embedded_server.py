"""The embedded default: a private ``sequencer-server`` on 127.0.0.1 for this user.

It runs as a child process rather than a thread so that a 100 MB upload's parsing never
competes with the GUI thread for the GIL, and a server crash cannot take the window down.
The child is told our pid and exits on its own if the app dies without stopping it. A
helper thread waits for the child from the start: a child that dies by itself (killed,
crashed) is reaped at once, never left a zombie, and ``watch`` tells whoever keeps the
app connected, so it can start a new one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from desktop_app.embedded_flag import EMBEDDED_SERVER_FLAG

log = logging.getLogger(__name__)


def server_command() -> list[str]:
    """How to start ``sequencer-server`` from this process: ``python -m sequencer_server``,
    or, in a frozen bundle (where ``sys.executable`` is the app itself and there is no
    interpreter to hand ``-m``), the app binary with ``EMBEDDED_SERVER_FLAG``, which
    ``desktop_app.__main__`` dispatches to the server's ``main``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, EMBEDDED_SERVER_FLAG]
    return [sys.executable, "-m", "sequencer_server"]


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started."""


class EmbeddedServer:
    """``listen`` (``host:port``): shared with the band's network instead of loopback only,
    and then over HTTPS with the data folder's self-signed certificate (``fingerprint``),
    so no token crosses the network in clear."""

    def __init__(self, data_dir: Path, *, log_file: Path | None = None, listen: str = "") -> None:
        self.data_dir = Path(data_dir)
        self.log_file = log_file
        self.listen = listen
        self.token = secrets.token_urlsafe(32)
        self.url: str | None = None
        self.fingerprint: str | None = None
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._on_exit: Callable[[int], None] | None = None
        self._exit_code: int | None = None  # set once the child exited by itself

    def _address_args(self) -> list[str]:
        if not self.listen:
            return ["--host", "127.0.0.1", "--port", "0"]
        host, _, port = self.listen.rpartition(":")
        return ["--host", host or "0.0.0.0", "--port", port, "--tls-self-signed"]

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 20.0) -> tuple[str, str]:
        """Start the child and wait for its ready line; returns (url, token)."""
        if self.running:
            assert self.url is not None
            return self.url, self.token
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "API_TOKEN": self.token, "ENV": "local"}
        # An embedded server must never pick up a production configuration by accident.
        for name in list(env):
            if name.startswith(("S3_", "MONGODB_")):
                del env[name]
        stderr = open(self.log_file, "a") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        cmd = [
            *server_command(),
            *self._address_args(),
            "--data-dir", str(self.data_dir),
            "--ready-json", "--parent-pid", str(os.getpid()),
            "--log-level", "warning",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        self._exit_code = None
        threading.Thread(
            target=self._reap, args=(self._process,), name="embedded-server-reaper", daemon=True
        ).start()
        if not isinstance(stderr, int):  # our log file, not subprocess.DEVNULL
            stderr.close()
        ready: dict = {}
        reader = threading.Thread(target=self._read_ready, args=(ready,), daemon=True)
        reader.start()
        reader.join(timeout)
        if "url" not in ready:
            self.stop()
            raise EmbeddedServerError(
                "The local server did not start"
                + (f"; see {self.log_file}" if self.log_file else "")
            )
        # This app talks to its own server over loopback whatever address it listens on.
        self.url = (
            ready["url"].replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//127.0.0.1:")
        )
        self.fingerprint = ready.get("fingerprint")
        log.info("Embedded server on %s (data in %s)", self.url, self.data_dir)
        return self.url, self.token

    def _read_ready(self, ready: dict) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            try:
                ready.update(json.loads(line))
                return
            except ValueError:
                continue

    def watch(self, on_exit: Callable[[int], None]) -> None:
        """``on_exit(exit_code)``, on a helper thread, once the child exits by itself (not
        through ``stop``); at once if it already has."""
        with self._lock:
            self._on_exit = on_exit
            code = self._exit_code
        if code is not None:
            on_exit(code)

    def _reap(self, process: subprocess.Popen[str]) -> None:
        code = _wait_for_exit(process)
        with self._lock:
            if self._process is not process:  # stopped by us (or replaced): nothing to say
                return
            self._exit_code = code
            on_exit = self._on_exit
        log.warning("Embedded server (pid %d) exited by itself, exit code %s", process.pid, code)
        if on_exit is not None:
            on_exit(code)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the server to finish (SIGTERM lets uvicorn close connections and the store),
        then make sure it is gone. Each end is logged once: "stopped" for this orderly
        stop; a server that had died by itself was logged as such when it died."""
        with self._lock:
            process, self._process = self._process, None
            reported = self._exit_code is not None  # the reaper logged its exit
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("Embedded server did not stop in %.0f s; killing it", timeout)
                process.kill()
                process.wait(timeout)
            log.info("Embedded server stopped (exit code %s)", process.returncode)
        elif not reported:  # it died just now, before the reaper could say so (it won't)
            log.warning(
                "Embedded server (pid %d) exited by itself, exit code %s",
                process.pid,
                process.returncode,
            )
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_for_exit(process: subprocess.Popen[str]) -> int:
    """Blocks until the child exits, then reaps it. ``waitid(WNOWAIT)`` waits without
    reaping and without holding ``Popen``'s lock, so ``poll()`` and ``stop()`` on other
    threads never block behind this wait; ``wait()`` then reaps through ``Popen``."""
    if hasattr(os, "waitid"):
        with contextlib.suppress(ChildProcessError):  # already reaped by stop()
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    return process.wait()


def wait_until_healthy(url: str, timeout: float = 5.0) -> bool:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=1).ok:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.05)
    return False
