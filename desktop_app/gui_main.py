"""The GUI process: the Qt application, logging and the crash dialog, one instance per
data folder, the object graph (``app.AppGraph``), the event loop, and a clean exit on
Ctrl+C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType

from PySide6.QtCore import QSocketNotifier, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app import __version__
from desktop_app.app import AppGraph
from desktop_app.gui_args import GuiArgsError, GuiOptions
from desktop_app.logging_setup import ExceptionHook, setup_logging
from desktop_app.paths import AppPaths
from desktop_app.services.single_instance import (
    InstanceServer,
    forward_to_running,
    instance_name,
)
from desktop_app.settings import Settings
from desktop_app.ui import theme
from desktop_app.ui.crash_dialog import CrashReporter
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.open_files import FileOpener

log = logging.getLogger(__name__)


def _quit_on_signals(qapp: QApplication) -> None:
    """Ctrl+C in a terminal and SIGTERM from a session manager quit like File → Quit (the
    embedded server stops, the layout is saved). Python only runs signal handlers when
    the interpreter gets control: the signal's byte on a socket (``set_wakeup_fd``) wakes
    Qt's event loop, which hands it control — no timer waking an idle app for nothing."""

    def quit_app(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: quitting", signum)
        for widget in qapp.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
        qapp.quit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, quit_app)
    reader, writer = socket.socketpair()
    for end in (reader, writer):
        end.setblocking(False)
    signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, qapp)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)  # the handlers themselves run as this returns to Python

    notifier.activated.connect(drain)
    _SIGNAL_SOCKETS[:] = [reader, writer]  # both ends live as long as the process


_SIGNAL_SOCKETS: list[socket.socket] = []


def run_gui(argv: list[str]) -> int:
    """``sequencer`` with no subcommand. ``argv`` holds the arguments argparse did not use:
    Qt's own (``-platform offscreen``), files to open, ``--smoke-test``."""
    try:
        options = GuiOptions.parse(argv)
    except GuiArgsError as exc:
        print(f"sequencer: {exc}", file=sys.stderr)
        return 2
    if options.smoke_test:
        from desktop_app.smoke import run_smoke_test

        return run_smoke_test(
            lambda on_started: _run_gui(options, on_started, interactive=False),
            options.smoke_timeout,
        )
    return _run_gui(options)


def _bring_forward(window: MainWindow) -> None:
    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()


def _run_gui(
    options: GuiOptions,
    on_started: Callable[[AppGraph], None] | None = None,
    *,
    interactive: bool = True,
) -> int:
    """The window's whole life; ``on_started(graph)`` runs once it is shown and started."""
    QApplication.setApplicationName("Sequencer")
    QApplication.setApplicationDisplayName("Sequencer")
    QApplication.setApplicationVersion(__version__)
    QApplication.setOrganizationName("Sequencer")
    QApplication.setDesktopFileName("sequencer")
    existing = QApplication.instance()
    qapp = (
        existing
        if isinstance(existing, QApplication)
        else QApplication([sys.argv[0] if sys.argv else "sequencer", *options.qt_args])
    )
    theme.apply(qapp)
    _quit_on_signals(qapp)

    paths = AppPaths.from_env().ensure()
    setup_logging(paths.log_file)
    log.info(
        "Sequencer %s starting (config %s, data %s, cache %s)",
        __version__,
        paths.config_dir,
        paths.data_dir,
        paths.cache_dir,
    )
    name = instance_name(paths.data_dir)
    if interactive and forward_to_running(name, [str(f) for f in options.files]):
        # Already running for this data folder: the files open there, in its window.
        log.info("Sequencer is already running; handed %d file(s) to it", len(options.files))
        print("Sequencer is already running; opened there.", file=sys.stderr)
        return 0
    reporter = CrashReporter(paths.log_file)
    hook = ExceptionHook(reporter.report).install()
    # SEQUENCER_SERVER_URL / _TOKEN / _USER win over the settings file, as on the command line.
    settings = Settings.open(paths.settings_file, environ=os.environ)
    for key in ("server_url", "api_token", "user_name"):
        if variable := settings.overridden_by(key):
            log.info("%s comes from the environment (%s)", key, variable)
    graph: AppGraph | None = None
    try:
        try:
            graph = AppGraph(paths, settings, crash_reporter=reporter)
        except Exception as exc:  # e.g. the embedded server cannot start: say why, exit
            log.exception("start-up failed")
            if not interactive:  # no one to close a dialog (smoke test, offscreen)
                print(f"sequencer: could not start: {exc}", file=sys.stderr)
                return 1
            QMessageBox.critical(
                None,
                "Sequencer could not start",
                f"{exc}\n\nThe details are in the log:\n{paths.log_file}",
            )
            return 1
        graph.window.show()
        graph.start()
        qapp.aboutToQuit.connect(graph.shutdown)
        opener = FileOpener(graph.window, graph.playback.player)
        if options.files:  # once the window is on screen, so a bad file's dialog has a parent
            QTimer.singleShot(0, lambda: opener.open(options.files))
        instance = InstanceServer(name, graph) if interactive else None
        if instance is not None:
            log.info("later starts on this data folder hand their files to %s", name)
            instance.filesReceived.connect(lambda files: _bring_forward(graph.window))
            instance.filesReceived.connect(lambda files: opener.open(files) if files else None)
        if on_started is not None:
            on_started(graph)
        code = qapp.exec()
    finally:
        if graph is not None:
            graph.shutdown()
        hook.uninstall()
        log.info("Sequencer stopped")
    return int(code)
