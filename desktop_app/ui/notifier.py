"""Desktop notifications for others' new messages in threads the user is not looking at.

Shown by the system tray's balloon (``QSystemTrayIcon.showMessage``), which Qt delivers
through the desktop's notification service where there is one (KDE, GNOME with a tray
extension, Windows, macOS); without a tray (stock GNOME, many Wayland sessions) straight
through the freedesktop notification service. Which messages qualify is
``ThreadsState.messageArrived``'s business (another's message, a thread not open, not
muted); whether to show any at all is the user's setting.
Clicking the tray balloon opens the thread of the last one shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop_app.domain.message import Message
from desktop_app.state.message_row import summary_of, summary_text
from desktop_app.ui.freedesktop_notifications import FreedesktopNotifications, service_available

log = logging.getLogger(__name__)

APP_NAME = "Sequencer"


class NotifySettings(Protocol):
    notifications: bool


def notification_text(message: Message, thread_name: str) -> tuple[str, str]:
    """(title, body): who wrote in which thread, and their words or the pattern's summary."""
    title = f"{message.user_id or 'Someone'} in {thread_name or 'a thread'}"
    body = message.text.strip() if message.text.strip() else summary_text(summary_of(message))
    if len(body) > 200:
        body = body[:199] + "…"
    return title, body


Show = Callable[[str, str], bool]  # (title, body) -> shown


def notifications_available() -> bool:
    """Whether a notification can be shown here at all: a system tray, or the
    freedesktop service on the session bus (Settings says so when neither is)."""
    return QSystemTrayIcon.isSystemTrayAvailable() or service_available()


class Notifier(QObject):
    """``Notifier(settings, thread_name, open_thread, icon=None, show=None)``;
    ``notify(message)`` shows one (or nothing, with the setting off, or neither a tray nor
    a notification service). ``show`` replaces both (a test's recorder of what would be
    shown)."""

    def __init__(
        self,
        settings: NotifySettings,
        thread_name: Callable[[str], str],
        open_thread: Callable[[str], None],
        *,
        icon: QIcon | None = None,
        show: Show | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._thread_name = thread_name
        self._open_thread = open_thread
        self._last_thread = ""
        self._tray: QSystemTrayIcon | None = None
        self._icon = icon
        self._freedesktop = FreedesktopNotifications(APP_NAME, self)
        self.show_with = show  # None: the tray
        self.shown: list[tuple[str, str]] = []  # what was shown this run (the log says too)

    def notify(self, message: Message) -> bool:
        if not self._settings.notifications:
            return False
        title, body = notification_text(message, self._thread_name(message.parent_thread))
        self._last_thread = message.parent_thread
        show = self.show_with or self._tray_show
        shown = show(title, body)
        if shown:
            self.shown.append((title, body))
            log.info("notified: %s", title)
        return shown

    def _tray_show(self, title: str, body: str) -> bool:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            # Sent without first asking the bus (that would wait on it); a failed call is logged.
            return self._freedesktop.send(title, body)
        if self._tray is None:
            icon = self._icon or QApplication.windowIcon()
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip(APP_NAME)
            self._tray.messageClicked.connect(self._clicked)
            self._tray.show()
        self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 5000)
        return True

    def _clicked(self) -> None:
        if self._last_thread:
            self._open_thread(self._last_thread)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
        self._freedesktop.wait(1000)
