"""What ``sequencer [OPTIONS] [FILE...]`` asks of the GUI, separated from Qt's own options.

A file manager starts the app as ``sequencer groove.json`` or ``sequencer take.mp3``
(the ``.desktop`` file's ``%F``); Qt keeps its own options (``-platform offscreen``,
``-style fusion``) in the same argument list. Our options are long (``--smoke-test``), Qt's
have one dash, so the two never collide; the only subtlety is that some Qt options take a
value that must not be mistaken for a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

SMOKE_TEST = "--smoke-test"
SMOKE_TIMEOUT = "--smoke-timeout"
DEFAULT_SMOKE_TIMEOUT = 60.0

# QGuiApplication / QApplication options that take a value (Qt 6 documentation).
_QT_OPTIONS_WITH_VALUE = frozenset(
    {
        "-platform", "-platformpluginpath", "-platformtheme", "-plugin", "-qmljsdebugger",
        "-qwindowgeometry", "-geometry", "-qwindowicon", "-icon", "-qwindowtitle", "-title",
        "-session", "-display", "-name", "-style", "-stylesheet", "-visual",
    }
)  # fmt: skip


class GuiArgsError(ValueError):
    """An option of ours with a missing or unusable value."""


@dataclass
class GuiOptions:
    """``files`` to open once the window is up; ``qt_args`` go to QApplication."""

    files: list[Path] = field(default_factory=list)
    qt_args: list[str] = field(default_factory=list)
    smoke_test: bool = False
    smoke_timeout: float = DEFAULT_SMOKE_TIMEOUT

    @classmethod
    def parse(cls, argv: list[str]) -> GuiOptions:
        options = cls()
        args = list(argv)
        only_files = False
        while args:
            arg = args.pop(0)
            if only_files:
                options.files.append(_path(arg))
            elif arg == "--":
                only_files = True
            elif arg == SMOKE_TEST:
                options.smoke_test = True
            elif arg == SMOKE_TIMEOUT or arg.startswith(SMOKE_TIMEOUT + "="):
                value = arg.partition("=")[2] if "=" in arg else (args.pop(0) if args else "")
                options.smoke_timeout = _seconds(value)
            elif arg in _QT_OPTIONS_WITH_VALUE:
                options.qt_args.append(arg)
                if args:
                    options.qt_args.append(args.pop(0))
            elif arg.startswith("-") and arg != "-":
                options.qt_args.append(arg)
            else:
                options.files.append(_path(arg))
        return options


def _path(arg: str) -> Path:
    """A path, or a ``file://`` URL as some launchers pass (``%U``)."""
    if arg.startswith("file://"):
        parts = urlsplit(arg)
        return Path(unquote(parts.path))
    return Path(arg)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise GuiArgsError(f"{SMOKE_TIMEOUT} needs a number of seconds, not {value!r}") from None
    if seconds <= 0:
        raise GuiArgsError(f"{SMOKE_TIMEOUT} must be positive")
    return seconds
