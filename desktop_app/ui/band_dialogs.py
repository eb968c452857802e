"""The two band dialogs, opened from the window's menu: joining a server by invite, and
inviting a bandmate to this computer's embedded server.

Both are window-modal and do not block: joining writes the settings, and the session
host switches to the new server from there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from desktop_app.services.band_invite import lan_address
from desktop_app.services.connection import ServerConnection
from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.ui.invite_dialog import InviteDialog
from desktop_app.ui.join_dialog import JoinDialog


def shared_fingerprint(connection: ServerConnection) -> str | None:
    """The certificate fingerprint of the embedded server while it listens on the
    network (what an invite pins), else ``None``."""
    embedded = connection.embedded
    return embedded.fingerprint if embedded is not None and embedded.listen else None


class BandDialogs:
    def __init__(
        self,
        settings: Settings,
        tasks: TaskRunner,
        server_data_dir: Path,
        fingerprint: Callable[[], str | None],
        window: QWidget,
    ) -> None:
        self._settings = settings
        self._tasks = tasks
        self._data_dir = server_data_dir
        self._fingerprint = fingerprint
        self._window = window

    def open_join(self) -> JoinDialog:
        dialog = JoinDialog(self._settings, self._tasks, parent=self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_invite(self, address: Callable[[], str] = lan_address) -> InviteDialog:
        dialog = InviteDialog(self._settings, self._data_dir, self._fingerprint, address,
                              self._window)  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
