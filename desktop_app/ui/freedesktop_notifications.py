"""Notifications through the freedesktop service (``org.freedesktop.Notifications``) on
the session bus, for desktops without a system tray (stock GNOME, many Wayland sessions)
where ``QSystemTrayIcon.showMessage`` shows nothing.

PySide6's QtDBus cannot marshal Notify's ``uint32 replaces_id``, so the call goes through
``gdbus`` (GLib's command-line client, on every desktop that has the service) run by
``QProcess``: asynchronous, so the GUI never waits for the bus, and with the arguments
as a list, so the words of other users never meet a shell. Whether the service is there
is asked of the bus itself (QtDBus does that part well) so that Settings can say when
notifications cannot be shown.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
from pathlib import Path

from PySide6.QtCore import QObject, QProcess
from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
TIMEOUT_MS = 5000


def session_bus_address() -> str:
    """The session bus as gdbus and libdbus find it: the variable, else the systemd socket."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and (Path(runtime) / "bus").exists():
        return f"unix:path={Path(runtime) / 'bus'}"
    return ""


def service_available() -> bool:
    """gdbus is installed and the session bus has (or can start) a notification service."""
    address = session_bus_address()
    if not address or shutil.which("gdbus") is None:
        return False
    # A connection of our own per address: QtDBus's sessionBus() is fixed at first use.
    bus = QDBusConnection.connectToBus(address, f"sequencer-notify:{address}")
    if not bus.isConnected():
        return False
    if _ask_bus(bus, "NameHasOwner", SERVICE) is True:
        return True
    # Not running yet but started on the first call (a daemon with a D-Bus .service file).
    activatable = _ask_bus(bus, "ListActivatableNames")
    return isinstance(activatable, list) and SERVICE in activatable


def _ask_bus(bus: QDBusConnection, member: str, *arguments: object) -> object:
    """The bus daemon's answer, or None; a hung bus costs at most a second."""
    message = QDBusMessage.createMethodCall(
        "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", member
    )
    message.setArguments(list(arguments))
    reply = bus.call(message, QDBus.CallMode.Block, 1000)
    if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
        return None
    return reply.arguments()[0]


def gvariant_string(text: str) -> str:
    """``text`` as a GVariant text-format string literal, so that gdbus passes it on
    exactly (unquoted, it would try to parse words like ``[]`` or ``'a' 'b'`` as values)."""
    out = []
    for ch in text.replace("\0", ""):
        if ch in "\\'":
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


class FreedesktopNotifications(QObject):
    """``send(title, body)`` starts one Notify call and returns at once; a failure is
    logged (the bus said no, or gdbus went missing), never raised into the GUI."""

    def __init__(self, app_name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app_name = app_name
        self._running: set[QProcess] = set()
        self._failures = 0  # the first is a warning; the same again for every message, noise

    def send(self, title: str, body: str) -> bool:
        address = session_bus_address()
        gdbus = shutil.which("gdbus")
        if not address or gdbus is None:
            return False
        process = QProcess(self)
        process.setProgram(gdbus)
        process.setArguments(
            ["call", "--address", address, "--dest", SERVICE, "--object-path", PATH,
             "--method", f"{SERVICE}.Notify", "--",
             gvariant_string(self._app_name), "uint32 0", "''", gvariant_string(title),
             # Daemons may read the body as markup: others' "<b>" stays text.
             gvariant_string(html.escape(body, quote=False)),
             "@as []", "@a{sv} {}", f"int32 {TIMEOUT_MS}"]
        )  # fmt: skip
        # Bound slots that find the process by sender(): no closure keeps a wrapper alive.
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._failed)
        self._running.add(process)
        process.start()
        return True

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        process = self.sender()
        if not isinstance(process, QProcess):
            return
        if code != 0:
            error = bytes(process.readAllStandardError().data()).decode(errors="replace")
            self._log_failure(error.strip())
        self._forget(process)

    def _failed(self, error: QProcess.ProcessError) -> None:
        process = self.sender()
        if isinstance(process, QProcess) and error == QProcess.ProcessError.FailedToStart:
            self._log_failure("gdbus did not start")
            self._forget(process)

    def _log_failure(self, why: str) -> None:
        self._failures += 1
        level = logging.WARNING if self._failures == 1 else logging.DEBUG
        log.log(level, "desktop notification failed: %s", why)

    def _forget(self, process: QProcess) -> None:
        if process in self._running:
            self._running.discard(process)
            process.deleteLater()

    def wait(self, msecs: int = 3000) -> None:
        """Lets calls still running finish (at exit, and for tests)."""
        for process in list(self._running):
            process.waitForFinished(msecs)
