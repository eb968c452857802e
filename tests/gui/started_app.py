"""The whole app, started for real on its embedded server, for the module-scoped window
fixtures that check one window at many sizes."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.settings import Settings


@contextmanager
def started_app(home: Path, size: tuple[int, int]) -> Iterator[AppGraph]:
    """The app as "ada" under ``home``, its window shown at ``size`` and started; closed,
    shut down and ``home`` removed afterwards."""
    paths = AppPaths.under(home / "home").ensure()
    settings = Settings.open(paths.settings_file)
    settings.user_name = "ada"
    graph = AppGraph(paths, settings)
    try:
        graph.window.resize(*size)
        graph.window.show()
        graph.start()
        yield graph
    finally:
        graph.window.close()
        graph.shutdown()
        shutil.rmtree(home, ignore_errors=True)


def pump(app, seconds: float) -> None:
    """Let the event loop run for ``seconds`` (layouts settle, timers fire)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def wait_until(app, predicate, timeout: float = 20.0) -> None:
    """Run the event loop until ``predicate()`` holds; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        app.processEvents()
        time.sleep(0.01)
