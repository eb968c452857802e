"""A Python handler for Qt's messages that stays installed for the whole test session.

PySide6 keeps the Python message handler in one global and calls it from whichever
thread Qt logs on. ``qInstallMessageHandler(None)`` clears that global at once, so a Qt
worker thread already inside the callback, waiting for the GIL, then calls a null
pointer: a segfault in a thread named ``QFFmpeg::AudioRenderer`` when the audio sink
(no sound server in the tests) warns just as a test ends. pytest-qt restores the handler
it found before every test — ``None`` unless one is installed — so one is installed
here, before the first test, and tests that replace it put this one back, never ``None``.
Replacing a handler with another is safe: the global is read under the GIL.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler


def to_stderr(mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """What Qt's own default handler does: the message on standard error."""
    print(f"{mode.name}: {message}", file=sys.stderr)


def install() -> None:
    qInstallMessageHandler(to_stderr)
