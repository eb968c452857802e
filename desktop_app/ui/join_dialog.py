"""File → Join a server…: one invite string (or a URL and a token), checked against the
server on a worker before the settings change; joining is a settings change, so the
session host switches to the new server by itself."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services.join import Joined, JoinError, check, read_invite
from desktop_app.services.tasks import TaskRunner
from desktop_app.ui import theme


class JoinTarget(Protocol):
    """The connection part of ``Settings`` that joining writes."""

    server_url: str
    api_token: str
    user_name: str

    def set_pin(self, url: str, fingerprint: str) -> None: ...
    def sync(self) -> None: ...


class JoinDialog(QDialog):
    def __init__(self, settings: JoinTarget, tasks: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Join a server")
        self._settings = settings
        self._tasks = tasks
        self.invite = QLineEdit()
        self.invite.setObjectName("joinInvite")
        self.invite.setPlaceholderText("sequencer://join?url=…&token=…")
        self.server_url = QLineEdit()
        self.server_url.setPlaceholderText("https://…  (or leave empty and paste an invite)")
        self.api_token = QLineEdit()
        self.api_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("joinMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.ERROR};")
        self.message.hide()
        intro = QLabel(
            "Paste the invite a bandmate sent you. Your name on this server is the one "
            "the invite was made for."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Invite", self.invite)
        form.addRow("or server URL", self.server_url)
        form.addRow("and token", self.api_token)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.join_button = self.buttons.addButton("Join", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.join)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def join(self) -> None:
        try:
            invite = read_invite(self.invite.text(), self.server_url.text(), self.api_token.text())
        except JoinError as exc:
            self._say(str(exc))
            return
        self.join_button.setEnabled(False)
        self._say("Asking the server…", error=False)
        self._tasks.submit(check, invite, on_done=self._joined, on_error=self._failed, context=self)

    def _failed(self, exc: BaseException) -> None:
        self.join_button.setEnabled(True)
        self._say(str(exc) if isinstance(exc, JoinError) else f"Could not join: {exc}")

    def _joined(self, joined: Joined) -> None:
        s = self._settings
        if joined.name:
            s.user_name = joined.name
        s.set_pin(joined.url, joined.fingerprint)
        s.api_token = joined.token
        s.server_url = joined.url  # last: the session host switches after this write
        s.sync()
        self.accept()

    def _say(self, text: str, *, error: bool = True) -> None:
        self.message.setStyleSheet(f"color: {theme.ERROR if error else theme.TEXT_DIM};")
        self.message.setText(text)
        self.message.show()
