"""What can be done to one message in the conversation: its context menu, and deleting it.

Kept apart from the panel that shows the thread because the actions grow (reply, copy,
load, retry, "Save recording as…" from the player, delete) while the panel's layout does
not; the menu is built on demand so tests can inspect it without opening it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QWidget

from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_FAILED
from desktop_app.ui.message_list import MessageListView


class MessageOwner(Protocol):
    """What the actions do to a message through ``ThreadsState``."""

    @property
    def messages(self) -> MessageListModel: ...

    def retry_message(self, message_id: str) -> None: ...
    def is_deletable(self, message_id: str) -> bool: ...
    def delete_message(self, message_id: str) -> None: ...


class MessageActions(QObject):
    """``MessageActions(threads_state, view, set_reply, load, parent)``: the per-message
    menu of ``view`` (right click) and its Delete key; ``set_reply(message_id)`` and
    ``load(snapshot)`` are the panel's, which owns the composer and the load signal."""

    def __init__(
        self,
        threads_state: MessageOwner,
        view: MessageListView,
        set_reply: Callable[[str], None],
        load: Callable[[dict], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._threads = threads_state
        self._view = view
        self._set_reply = set_reply
        self._load = load
        self._parent = parent
        self._extras: list[Callable[[QMenu, str], None]] = []
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._context_menu)
        view.installEventFilter(self)

    def _own(self, message_id: str) -> bool:
        return self._threads.is_deletable(message_id)

    def add(self, provider: Callable[[QMenu, str], None]) -> None:
        """``provider(menu, message_id)`` adds its actions to every message menu."""
        if provider not in self._extras:
            self._extras.append(provider)

    def menu(self, message_id: str) -> QMenu:
        """The context menu of one row."""
        model = self._threads.messages
        index = model.index(model.row_of(message_id))
        menu = QMenu(self._parent)
        reply = menu.addAction("Reply")
        reply.triggered.connect(lambda: self._set_reply(message_id))
        text = index.data(Roles.TEXT) or ""
        if text:
            # Words are painted, not widgets: copying them is how they are selected.
            copy = menu.addAction("Copy text")
            copy.triggered.connect(lambda: QApplication.clipboard().setText(text))
        if index.data(Roles.LOADABLE) is not False:  # not text only, not a dropped file
            load = menu.addAction("Load pattern into the sequencer")
            load.triggered.connect(lambda: self._load(index.data(Roles.SNAPSHOT) or {}))
        if index.data(Roles.RENDER_STATE) == RENDER_FAILED:
            retry = menu.addAction("Retry sending")
            retry.triggered.connect(lambda: self._threads.retry_message(message_id))
        for provider in self._extras:
            provider(menu, message_id)
        if self._own(message_id):
            menu.addSeparator()
            delete = menu.addAction("Delete message…")
            delete.setShortcut(QKeySequence.StandardKey.Delete)
            delete.triggered.connect(lambda: self.delete(message_id))
        return menu

    @Slot(QPoint)
    def _context_menu(self, pos: QPoint) -> None:
        index = self._view.indexAt(pos)
        if not index.isValid():
            return
        self.menu(index.data(Roles.ID)).exec(self._view.viewport().mapToGlobal(pos))

    def delete(self, message_id: str) -> None:
        """One's own message only, after confirmation; the server removes its files."""
        if not self._own(message_id):
            return
        if self._ask_delete(self._what_goes(message_id)):
            self._threads.delete_message(message_id)

    def _what_goes(self, message_id: str) -> str:
        """The confirmation's words for what this message holds: its words, its pattern,
        its recording (or dropped file) — never a recording a text-only message lacks."""
        model = self._threads.messages
        index = model.index(model.row_of(message_id))
        message = index.data(Roles.MESSAGE)
        if message is None:
            return "Delete this message for everyone in the thread?"
        parts = []
        if message.text:
            parts.append("its words")
        if message.is_audio_file:
            name = message.snapshot.get("filename")
            parts.append(f"the audio file {name}" if isinstance(name, str) else "its audio file")
        elif message.has_pattern:
            parts.append("its pattern")
            if message.renders:
                parts.append("its recording")
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"Delete this message for everyone in the thread? The server removes {listed} too."

    def _ask_delete(self, question: str) -> bool:
        """Qt has no standard Delete button, so the box gets one with the destructive role;
        Cancel stays the default so a stray Enter deletes nothing."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete message",
            question,
            QMessageBox.StandardButton.Cancel,
            self._parent,
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is delete

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._view
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Delete
        ):
            index = self._view.currentIndex()
            if index.isValid():
                self.delete(index.data(Roles.ID))
                return True
        return False
