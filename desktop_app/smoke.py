"""``sequencer --smoke-test``: start the real app headless and prove that it works.

Installed packages and PyInstaller bundles fail in ways unit tests cannot see: a Qt
plugin left out, PortAudio not found, the embedded server unable to start from a frozen
executable. So this runs the ordinary start-up (``gui_main.run_gui``) offscreen and, once the
graph is built, checks what a musician needs in the first minute:

- the main window is shown;
- the embedded (or configured) server answers ``/healthz``;
- PortAudio loads (the engine would otherwise fall back to a silent clock);
- QtMultimedia has a backend that decodes MP3 (the inline players);
- on a first start on the embedded server, the Welcome thread with its rendered demo
  exists (bounce, MP3 encoder, upload and storage all work).

Each check prints one line; the exit code is 0 only if all passed within the time limit.
Without ``SEQUENCER_HOME`` the run uses a temporary home, so a smoke test never touches
the user's settings, threads or cache. A watchdog thread ends a run that hangs (a modal
dialog offscreen, a deadlock) so the caller always gets an answer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QGuiApplication

from desktop_app.paths import HOME_ENV, AppPaths
from desktop_app.services.first_run import welcome_wanted

if TYPE_CHECKING:  # built and handed over by ``gui_main``; this module never imports it
    from desktop_app.app import AppGraph

log = logging.getLogger(__name__)

POLL_MS = 100
WATCHDOG_GRACE_S = 15.0  # after the time limit, for shutdown to finish before a hard exit
EXIT_FAILED = 1


@dataclass
class Check:
    name: str
    passed: bool = False
    detail: str = ""
    seconds: float = 0.0
    running: bool = False


class SmokeTest(QObject):
    """Armed by ``run_gui`` once the app graph has started (``arm(graph)``); ends the event
    loop with 0 when every check passed, or 1 when one failed or time ran out."""

    def __init__(self, timeout: float, out: TextIO | None = None) -> None:
        super().__init__()
        self.timeout = timeout
        self._out = out or sys.stdout
        self._started = time.monotonic()
        self._graph: AppGraph | None = None
        self._checks: dict[str, Check] = {}
        self._order: list[str] = []
        self._result: int | None = None
        self._lock = threading.Lock()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def result(self) -> int | None:
        """0 passed, 1 failed, ``None`` still running (or never armed)."""
        return self._result

    # ---- the run ------------------------------------------------------------------------
    def arm(self, graph: AppGraph) -> None:
        self._graph = graph
        names = [
            "window shown",
            "server answers /healthz",
            "PortAudio loaded",
            "MP3 playback",
            "HTTPS certificate for sharing",
        ]
        first_run = welcome_wanted(graph.settings, graph.connection.embedded is not None)
        if first_run:
            names.append("Welcome thread rendered and uploaded")
            graph.welcomeCreated.connect(
                lambda thread_id: self._pass("Welcome thread rendered and uploaded", thread_id)
            )
        for name in names:
            self._checks[name] = Check(name)
        self._order = names
        self._run_in_thread("server answers /healthz", lambda: self._check_health(graph))
        self._run_once("PortAudio loaded", _check_portaudio)
        self._run_once(
            "HTTPS certificate for sharing",
            lambda: _check_certificate(graph.paths.cache_dir / "smoke-test-tls"),
        )
        self._check_mp3_playback(graph.paths.cache_dir / "smoke-test.mp3")
        # Polling starts with the event loop: QCoreApplication.exit() before exec() is lost.
        self._timer.start()

    def _poll(self) -> None:
        if self._result is not None or self._graph is None:  # done, or not armed yet
            return
        window = self._graph.window
        handle = window.windowHandle()
        if window.isVisible() and handle is not None and handle.isExposed():
            self._pass("window shown", QGuiApplication.platformName())
        with self._lock:
            checks = [self._checks[name] for name in self._order]
        if any(not c.passed and not c.running and c.detail for c in checks):
            self._finish(EXIT_FAILED, "a check failed")
        elif all(c.passed for c in checks):
            self._finish(0, "")
        elif time.monotonic() - self._started > self.timeout:
            self._finish(EXIT_FAILED, f"not done after {self.timeout:.0f} s")

    def _finish(self, code: int, why: str) -> None:
        self._timer.stop()
        self._result = code
        elapsed = time.monotonic() - self._started
        for name in self._order:
            check = self._checks[name]
            if check.passed:
                mark, detail = "ok  ", check.detail
            else:
                mark, detail = "FAIL", check.detail or "not done"
            timing = f" ({check.seconds:.1f} s)" if check.passed else ""
            self._print(f"{mark} {name}{timing}" + (f": {detail}" if detail else ""))
        if code == 0:
            self._print(f"smoke test passed in {elapsed:.1f} s")
        else:
            self._print(f"smoke test FAILED ({why}) after {elapsed:.1f} s")
            self._print_log_tail()
        QCoreApplication.exit(code)

    # ---- individual checks ----------------------------------------------------------------
    def _pass(self, name: str, detail: str = "") -> None:
        with self._lock:
            check = self._checks.get(name)
            if check is None or check.passed:
                return
            check.passed, check.running, check.detail = True, False, detail
            check.seconds = time.monotonic() - self._started

    def _fail(self, name: str, detail: str) -> None:
        with self._lock:
            check = self._checks[name]
            check.passed, check.running, check.detail = False, False, detail or "failed"

    def _run_once(self, name: str, probe: Callable[[], str]) -> None:
        try:
            self._pass(name, probe())
        except Exception as exc:
            self._fail(name, f"{type(exc).__name__}: {exc}")

    def _run_in_thread(self, name: str, probe: Callable[[], str]) -> None:
        """Network checks run off the GUI thread: the window must stay responsive."""
        self._checks[name].running = True

        def work() -> None:
            try:
                self._pass(name, probe())
            except Exception as exc:
                self._fail(name, f"{type(exc).__name__}: {exc}")

        threading.Thread(target=work, name=f"smoke: {name}", daemon=True).start()

    def _check_health(self, graph: AppGraph) -> str:
        import requests

        url = f"{graph.connection.api.base_url}/healthz"
        deadline = self._started + self.timeout
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                response = requests.get(url, timeout=2)
                if response.ok:
                    return url + _server_origin(graph)
                last = f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.1)
        raise RuntimeError(f"{url}: {last}")

    def _check_mp3_playback(self, path: Path) -> None:
        """Encode a short take and load it into a QMediaPlayer: the MP3 encoder and the
        QtMultimedia FFmpeg backend the inline players use, end to end."""
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QMediaPlayer

        name = "MP3 playback"
        try:
            _write_test_mp3(path)
        except Exception as exc:
            self._fail(name, f"encoding failed: {type(exc).__name__}: {exc}")
            return
        player = QMediaPlayer(self)
        status = QMediaPlayer.MediaStatus

        def on_status(value: QMediaPlayer.MediaStatus) -> None:
            if value in (status.LoadedMedia, status.BufferedMedia) and player.duration() > 0:
                self._pass(name, f"{path.name} decodes, {player.duration()} ms")
            elif value == status.InvalidMedia:
                self._fail(name, player.errorString() or "QtMultimedia cannot decode MP3")

        def on_duration(ms: int) -> None:
            if ms > 0 and player.mediaStatus() in (status.LoadedMedia, status.BufferedMedia):
                on_status(player.mediaStatus())

        player.mediaStatusChanged.connect(on_status)
        player.durationChanged.connect(on_duration)
        player.errorOccurred.connect(lambda _error, text: self._fail(name, text or "error"))
        self._checks[name].running = True
        player.setSource(QUrl.fromLocalFile(str(path)))

    def _print(self, line: str) -> None:
        print(line, file=self._out, flush=True)

    def _print_log_tail(self, lines: int = 30) -> None:
        log_file = AppPaths.from_env().log_file
        with contextlib.suppress(OSError):
            tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            self._print(f"--- last lines of {log_file}")
            for line in tail:
                self._print(line)


def _server_origin(graph: AppGraph) -> str:
    """How the embedded server was started (a bundle starts itself), for the report."""
    if graph.connection.embedded is None:
        return " (configured server)"
    from desktop_app.services.embedded_server import server_command

    return f" (embedded: {' '.join(server_command())})"


def _check_portaudio() -> str:
    import sounddevice

    return f"{sounddevice.get_portaudio_version()[1]} from {sounddevice._libname}"


def _check_certificate(folder: Path) -> str:
    """ "Share on network" runs the embedded server over HTTPS with a certificate made on
    first use; a bundle without its crypto library could not share at all."""
    from sequencer_server.tls import ensure_certificate

    folder.mkdir(parents=True, exist_ok=True)
    return f"SHA-256 {ensure_certificate(folder).fingerprint[:16]}…"


def _write_test_mp3(path: Path, seconds: float = 0.5) -> None:
    import numpy as np

    from desktop_app.audio.mp3 import encode_mp3

    rate = 44100
    t = np.arange(int(rate * seconds), dtype=np.float32) / rate
    tone = (0.2 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    encode_mp3(np.column_stack([tone, tone]), rate, path, bitrate=128)


# ---- the surroundings of a run ---------------------------------------------------------------
@contextlib.contextmanager
def smoke_environment() -> Iterator[Path]:
    """Offscreen unless a platform is asked for, and a throw-away ``SEQUENCER_HOME``
    unless one is given. Yields the home in use."""
    saved = {name: os.environ.get(name) for name in ("QT_QPA_PLATFORM", HOME_ENV)}
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with contextlib.ExitStack() as stack:
        home = os.environ.get(HOME_ENV, "").strip()
        if not home:
            home = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="sequencer-smoke-", ignore_cleanup_errors=True)
            )
            os.environ[HOME_ENV] = home
        try:
            yield Path(home)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def start_watchdog(seconds: float, out: TextIO | None = None) -> threading.Event:
    """A last resort for a run that never reaches its own time limit (a hang before the
    checks are armed, or during shutdown): exit hard. Set the returned event to disarm."""
    done = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        print(f"smoke test FAILED: the app hung for {seconds:.0f} s", file=out or sys.stdout)
        sys.stdout.flush()
        os._exit(EXIT_FAILED)

    threading.Thread(target=watch, name="smoke watchdog", daemon=True).start()
    return done


def run_smoke_test(run_app: Callable[[Callable[[AppGraph], None]], int], timeout: float) -> int:
    """``run_app(on_started)`` is the GUI's normal start; ``on_started(graph)`` arms the
    checks. Returns the process's exit code."""
    with smoke_environment() as home:
        print(f"smoke test: starting Sequencer (SEQUENCER_HOME={home})", flush=True)
        smoke = SmokeTest(timeout)
        watchdog = start_watchdog(timeout + WATCHDOG_GRACE_S)
        try:
            code = run_app(smoke.arm)
        finally:
            watchdog.set()
        if smoke.result is None:
            print("smoke test FAILED: the app did not start", flush=True)
            return EXIT_FAILED
        return smoke.result if code == 0 else code
