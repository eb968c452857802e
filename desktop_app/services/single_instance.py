"""One running window per user: a second ``sequencer FILE`` hands its files to the first.

Without this, opening a pattern or an MP3 from the file manager while Sequencer runs would
start a second window with a second embedded server on the same data folder. The first
instance listens on a local socket named after its data folder (so two SEQUENCER_HOMEs, as
in tests, never meet); a later one sends its files there as one JSON line and exits.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 300
MAX_MESSAGE = 64 * 1024


def instance_name(data_dir: Path) -> str:
    """The socket name for one data folder, and only for it: the folder's real path (a
    symlink or ``..`` names the same folder), hashed so that any path fits a socket name;
    128 bits keep two folders from ever meeting by chance."""
    real = str(Path(data_dir).expanduser().resolve())
    return f"sequencer-{hashlib.sha256(real.encode('utf-8')).hexdigest()[:32]}"


def forward_to_running(name: str, files: list[str]) -> bool:
    """True when an instance is running and took the files (or just the wake-up)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    payload = json.dumps({"files": [str(Path(f).absolute()) for f in files]}) + "\n"
    socket.write(payload.encode("utf-8"))
    ok = socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return ok


class InstanceServer(QObject):
    """Listens for later instances; ``filesReceived(list[str])`` (empty: just show)."""

    filesReceived = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}
        if not self._server.listen(name):
            # A socket file left by an instance that crashed: nobody answered on it.
            QLocalServer.removeServer(name)
            if not self._server.listen(name):
                log.warning("single instance: cannot listen on %s: %s", name,
                            self._server.errorString())  # fmt: skip

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        self._server.close()

    # Slots bound to this object (not lambdas): Qt drops the connections when it is
    # destroyed, so a socket torn down with it can never call back into a dead object.
    @Slot()
    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(self._on_disconnected)

    @Slot()
    def _on_ready_read(self) -> None:
        socket = self.sender()
        if not isinstance(socket, QLocalSocket) or socket not in self._buffers:
            return
        data = self._buffers[socket] + socket.readAll().data()
        if len(data) > MAX_MESSAGE:
            del self._buffers[socket]
            socket.abort()
            return
        self._buffers[socket] = data
        if b"\n" in data:
            self._finish(socket)

    @Slot()
    def _on_disconnected(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._finish(socket)

    def _finish(self, socket: QLocalSocket) -> None:
        data = self._buffers.pop(socket, None)
        if data is None:
            return
        socket.readyRead.disconnect(self._on_ready_read)
        socket.disconnected.disconnect(self._on_disconnected)
        socket.deleteLater()
        line = data.split(b"\n", 1)[0]
        try:
            files = json.loads(line.decode("utf-8")).get("files", [])
        except (ValueError, AttributeError):
            log.warning("single instance: ignored a malformed message")
            return
        self.filesReceived.emit([str(f) for f in files if isinstance(f, str)])
