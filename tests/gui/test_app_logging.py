"""Logging and crash reporting: one rotating file, Qt's messages in it, one dialog."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import qWarning

from desktop_app.logging_setup import ExceptionHook, setup_logging
from desktop_app.ui.crash_dialog import CrashReporter
from tests.gui import qt_messages


@pytest.fixture
def log_file(tmp_path: Path):
    path = tmp_path / "logs" / "sequencer.log"
    handler = setup_logging(path, console=False)
    yield path
    logging.getLogger().removeHandler(handler)
    handler.close()
    qt_messages.install()  # later tests see Qt's messages the default way again


def _raise(exc: BaseException):
    try:
        raise exc
    except BaseException:
        return sys.exc_info()


def test_qt_messages_and_our_logs_go_to_the_file(log_file: Path) -> None:
    logging.getLogger("desktop_app.test").warning("hello from python")
    qWarning("hello from Qt")
    for h in logging.getLogger().handlers:
        h.flush()
    text = log_file.read_text()
    assert "hello from python" in text
    assert "hello from Qt" in text and " qt: " in text


def test_setup_twice_does_not_double_lines(tmp_path: Path) -> None:
    path = tmp_path / "l.log"
    setup_logging(path, console=False)
    handler = setup_logging(path, console=False)
    logging.getLogger("x").warning("once")
    handler.flush()
    assert path.read_text().count("once") == 1
    logging.getLogger().removeHandler(handler)
    handler.close()
    qt_messages.install()


def test_uncaught_errors_are_logged_and_shown_in_one_dialog(qtbot, log_file: Path) -> None:
    reporter = CrashReporter(log_file)
    hook = ExceptionHook(reporter.report)
    for _ in range(3):
        hook.handle(*_raise(ValueError("bad step")))
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.count == 3)
    dialog = reporter.dialog
    assert dialog.isVisible()
    assert "ValueError: bad step" in dialog.summary.text()
    assert "3 times" in dialog.counter.text()
    assert str(log_file) in dialog.hint.text()
    assert "Traceback" in dialog.details.toPlainText()
    for h in logging.getLogger().handlers:
        h.flush()
    assert log_file.read_text().count("ValueError: bad step") == 3

    # Closed, the next error opens a fresh report.
    dialog.close()
    hook.handle(*_raise(KeyError("x")))
    qtbot.waitUntil(lambda: reporter.dialog is not dialog and reporter.dialog.isVisible())
    assert reporter.dialog.count == 1
    reporter.dialog.close()


def test_errors_from_other_threads_reach_the_gui_thread(qtbot, log_file: Path) -> None:
    reporter = CrashReporter(log_file)
    hook = ExceptionHook(reporter.report).install()
    try:
        worker = threading.Thread(target=lambda: 1 / 0)
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        assert "ZeroDivisionError" in reporter.dialog.summary.text()
        reporter.dialog.close()
    finally:
        hook.uninstall()
    assert sys.excepthook is not hook.handle


def test_keyboard_interrupt_is_not_reported(log_file: Path, capsys) -> None:
    seen = []
    ExceptionHook(lambda s, d: seen.append(s)).handle(*_raise(KeyboardInterrupt()))
    assert seen == []
