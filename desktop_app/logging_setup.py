"""One log for everything: our loggers, Qt's own warnings and uncaught exceptions.

When a musician reports "it crashed", the log folder is the one thing we can ask for, so
it has to hold the whole story: a rotating file (bounded size, a few generations), Qt's
``qWarning``/``qCritical`` messages (which otherwise go to a console nobody sees on a
desktop launch) and the full traceback of every uncaught exception, on any thread. The
user-facing part of a crash (a dialog) is a callback supplied by the UI layer, so this
module stays free of widgets.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
MAX_BYTES = 2 * 1024 * 1024
BACKUP_COUNT = 5

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def setup_logging(
    log_file: Path, *, level: int = logging.INFO, console: bool = True
) -> RotatingFileHandler:
    """Send the root logger to a rotating ``log_file`` (and stderr), route Qt's messages
    into it. Calling it again replaces the previous handlers instead of doubling lines."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sequencer", False):
            root.removeHandler(handler)
            handler.close()
    formatter = logging.Formatter(LOG_FORMAT)
    file_handler = RotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    file_handler.setFormatter(formatter)
    file_handler._sequencer = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        stream.setLevel(logging.WARNING)
        stream._sequencer = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    root.setLevel(level)
    qInstallMessageHandler(qt_message_handler)
    return file_handler


def qt_message_handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's messages as records of the ``qt`` logger, with their category and source."""
    where = ""
    if context is not None and context.file:
        where = f" ({context.file}:{context.line})"
    category = context.category if context is not None and context.category else "default"
    qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "[%s] %s%s", category, message, where)


def format_exception(exc_info: ExcInfo) -> str:
    return "".join(traceback.format_exception(*exc_info))


class ExceptionHook:
    """Catches what nobody else caught, logs it in full and tells the user once.

    ``report(summary, details)`` is called for every uncaught exception (from any thread,
    so it must be thread-safe; the crash dialog queues to the GUI thread). Ctrl+C in a
    terminal still exits quietly. ``install`` / ``uninstall`` swap ``sys.excepthook`` and
    ``threading.excepthook`` so tests can restore the previous hooks.
    """

    def __init__(self, report: Callable[[str, str], None] | None = None) -> None:
        self._report = report
        self._previous: tuple[object, object] | None = None

    def install(self) -> ExceptionHook:
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
            sys.excepthook = self.handle
            threading.excepthook = self._handle_thread
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
            self._previous = None

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        details = format_exception((exc_type, exc, tb))
        log.critical("uncaught exception\n%s", details.rstrip())
        summary = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        if self._report is not None:
            try:
                self._report(summary, details)
            except Exception:  # a broken reporter must not hide the original error
                log.exception("the crash reporter itself failed")

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)
