"""The whole app, started for real on its embedded server, for the module-scoped window
fixtures that check one window at many sizes."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

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


def wait_for(predicate, timeout: float) -> bool:
    """Poll ``predicate()`` (no event loop: for an app in a process of its own) until it
    holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@contextmanager
def shown_app(qtbot, home: Path, size: tuple[int, int]) -> Iterator[AppGraph]:
    """The app under ``home`` with default settings, not started (the test starts it),
    its window shown and active at ``size`` and owned by ``qtbot``; shut down afterwards."""
    paths = AppPaths.under(home / "home").ensure()
    graph = AppGraph(paths, Settings.open(paths.settings_file))
    qtbot.addWidget(graph.window)
    graph.window.resize(*size)
    graph.window.show()
    graph.window.activateWindow()
    try:
        yield graph
    finally:
        graph.shutdown()


def drag_handle(handle: QWidget, dx: int) -> None:
    """Drag a splitter ``handle`` ``dx`` pixels sideways from its middle, as a mouse does:
    press, one move with the button held, release."""
    start = QPoint(handle.width() // 2, handle.height() // 2)
    end = start + QPoint(dx, 0)
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    pos = QPointF(end)
    move = QMouseEvent(QEvent.Type.MouseMove, pos, handle.mapToGlobal(pos),
                       Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(handle, move)
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
