"""File → Invite a bandmate…: share the embedded server on the band's network (off by
default; HTTPS with a pinned certificate), make the bandmate's user and show the invite
to send them. For anything wider than one network the README's deployment guide applies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services.band_invite import invite_bandmate, only_this_computer, share_url
from desktop_app.ui import theme
from sequencer_server.users import UserError

SCOPE = (
    "The built-in server is for a band on one network (a rehearsal room, a home). To play "
    "together across the internet, run a server as the README's “Deploying” section says."
)


class ShareSettings(Protocol):
    server_url: str
    share_on_network: bool
    share_address: str


class InviteDialog(QDialog):
    """``fingerprint()``: the running embedded server's certificate, ``None`` while it is
    not shared (or restarting); ``address()``: this computer's address on the network."""

    def __init__(
        self,
        settings: ShareSettings,
        data_dir: Path,
        fingerprint: Callable[[], str | None],
        address: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Invite a bandmate")
        self._settings = settings
        self._data_dir = data_dir
        self._fingerprint = fingerprint
        self._address = address
        self.scope = QLabel(SCOPE)
        self.scope.setWordWrap(True)
        self.share = QCheckBox("Let bandmates on this network join")
        self.share.setChecked(settings.share_on_network)
        self.share.toggled.connect(self._share_toggled)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setStyleSheet(f"color: {theme.TEXT_DIM};")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Bandmate's name")
        self.create_button = QPushButton("Create invite")
        self.create_button.clicked.connect(self.make_invite)
        self.invite = QLineEdit()
        self.invite.setObjectName("inviteText")
        self.invite.setReadOnly(True)
        self.copy = QPushButton("Copy")
        self.copy.setEnabled(False)
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.invite.text()))
        self.message = QLabel()
        self.message.setObjectName("inviteMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.ERROR};")
        self.message.hide()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        name_row, invite_row = QHBoxLayout(), QHBoxLayout()
        name_row.addWidget(self.name)
        name_row.addWidget(self.create_button)
        invite_row.addWidget(self.invite)
        invite_row.addWidget(self.copy)
        layout = QVBoxLayout(self)
        for widget in (self.scope, self.share, self.where):
            layout.addWidget(widget)
        layout.addLayout(name_row)
        layout.addLayout(invite_row)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.setMinimumWidth(560)
        if settings.server_url:
            self.share.setEnabled(False)
            self.create_button.setEnabled(False)
            self._say(
                "You are on a shared server: its admin invites bandmates there "
                "(`sequencer-server invite NAME`)."
            )
        self._show_where()

    def _share_toggled(self, on: bool) -> None:
        self._settings.share_on_network = on  # the session host restarts the server
        self._show_where()

    def _show_where(self) -> None:
        listen = self._settings.share_address
        if self.share.isChecked():
            url = share_url(listen, self._address())
            if only_this_computer(listen):
                reach = (
                    f"{listen} is this computer's own address, so only this computer can "
                    "join; set connection/share_address to 0.0.0.0:PORT or an address of "
                    "the band's network."
                )
            else:
                reach = f"bandmates connect to {url}."
            self.where.setText(
                f"Listening on {listen} over HTTPS with this computer's own certificate; {reach}"
            )
        else:
            self.where.setText("Off: the server answers this computer only (127.0.0.1).")

    def make_invite(self) -> None:
        if not self.share.isChecked():
            self._say("Let bandmates on this network join first.")
            return
        fingerprint = self._fingerprint()
        if not fingerprint:
            self._say("The server is restarting to listen on the network; try again in a moment.")
            return
        url = share_url(self._settings.share_address, self._address())
        try:
            text = invite_bandmate(self._data_dir, self.name.text(), url, fingerprint)
        except UserError as exc:
            self._say(str(exc))
            return
        self.message.hide()
        self.invite.setText(text)
        self.copy.setEnabled(True)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
