"""The right-hand column: the open thread's name, its messages and the Send bar.

The Send bar says in words what Send will post (the pattern, plus the last take if there
is one) so pressing it is never a surprise. Whether sending is possible at all depends on
the threads state offering ``send_message_from_sequencer``; until it does the button stays
disabled and its tooltip says what is missing.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui import theme
from desktop_app.ui.message_list import MessageListView

log = logging.getLogger(__name__)

SEND_SHORTCUT = QKeySequence("Ctrl+Return")


def _fmt_duration(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


class ConversationPanel(QWidget):
    """``ConversationPanel(threads_state, sequencer_state, recording_state)``.

    ``loadRequested(dict)`` re-emits a message's "load pattern" click; the window decides
    what loading means (an undoable replace of the sequencer's pattern).
    """

    loadRequested = Signal(dict)
    sendFailed = Signal(str)

    def __init__(
        self,
        threads_state: Any,
        sequencer_state: Any,
        recording_state: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conversationPanel")
        self._threads = threads_state
        self._sequencer = sequencer_state
        self._recording = recording_state

        self.title = QLabel()
        self.title.setObjectName("conversationTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet(f"color: {theme.TEXT_DIM};")
        header = QFrame()
        header.setObjectName("conversationHeader")
        header.setStyleSheet(
            f"QFrame#conversationHeader {{ background: {theme.BG};"
            f" border-bottom: 1px solid {theme.BORDER}; }}"
        )
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(16, 10, 16, 10)
        header_layout.setSpacing(2)
        header_layout.addWidget(self.title)
        header_layout.addWidget(self.subtitle)

        self.messages = MessageListView()
        self.messages.setModel(threads_state.messages)
        self.messages.loadRequested.connect(self.loadRequested)

        self.take_label = QLabel()
        self.take_label.setObjectName("takeLabel")
        self.take_label.setWordWrap(True)
        self.take_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setMinimumWidth(96)
        self.send_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.send_button.setStyleSheet(
            f"QPushButton#sendButton {{ background: {theme.ACCENT}; color: #1a1208;"
            f" font-weight: 600; border: none; border-radius: {theme.RADIUS}px;"
            " padding: 7px 16px; }"
            f"QPushButton#sendButton:hover {{ background: {theme.ACCENT_BRIGHT}; }}"
            f"QPushButton#sendButton:disabled {{ background: {theme.BG_HOVER};"
            f" color: {theme.TEXT_FAINT}; }}"
        )
        self.send_button.clicked.connect(self.send)
        composer = QFrame()
        composer.setObjectName("composer")
        composer.setStyleSheet(
            f"QFrame#composer {{ background: {theme.BG}; border-top: 1px solid {theme.BORDER}; }}"
        )
        composer_layout = QHBoxLayout(composer)
        composer_layout.setContentsMargins(16, 10, 12, 10)
        composer_layout.addWidget(self.take_label, 1)
        composer_layout.addWidget(self.send_button)

        # Window-wide (the panel need not have focus); owned by the panel, so a panel
        # replaced after a server change takes its shortcuts with it.
        self._send_shortcuts = []
        for keys in (SEND_SHORTCUT, QKeySequence("Ctrl+Enter")):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.send)
            self._send_shortcuts.append(shortcut)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.messages, 1)
        layout.addWidget(composer)

        threads_state.currentThreadChanged.connect(self._refresh)
        threads_state.threadsChanged.connect(self._refresh)
        threads_state.loadingChanged.connect(self._refresh)
        model = threads_state.messages
        model.rowsInserted.connect(self._refresh)
        model.rowsRemoved.connect(self._refresh)
        model.modelReset.connect(self._refresh)
        recording_state.finished.connect(self._refresh)
        recording_state.recordingChanged.connect(self._refresh)
        self._refresh()

    # ---- state -----------------------------------------------------------------------------
    def can_send_at_all(self) -> bool:
        return callable(getattr(self._threads, "send_message_from_sequencer", None))

    def _send_problem(self) -> str | None:
        """Why Send is disabled right now, in the words of its tooltip; None if it isn't."""
        if self._recording.is_recording:
            return "Stop recording first"
        if self._recording.last_result is None:
            return "Record a take first"
        if not self.can_send_at_all():
            return "Record a take first"
        if not self._threads.current_thread_id:
            return "Pick a thread to send to"
        return None

    @Slot()
    def _refresh(self, *_args: Any) -> None:
        thread = self._threads.current_thread
        count = self._threads.messages.rowCount()
        if thread is not None:
            self.title.setText(thread.name)
            people = ", ".join(thread.users) if thread.users else ""
            noun = "message" if count == 1 else "messages"
            self.subtitle.setText(" · ".join(p for p in (f"{count} {noun}", people) if p))
            self.messages.set_placeholder(
                "Loading…"
                if self._threads.loading
                else "No messages yet — record a take and press Send to post your pattern here."
            )
        else:
            self.title.setText("No thread open")
            self.subtitle.setText("Pick a thread on the left, or create one")
            self.messages.set_placeholder("Pick a thread to see its patterns.")

        take = self._recording.last_result
        if self._recording.is_recording:
            text = "Recording… Send becomes available when you stop."
        elif take is not None:
            text = f"<b>Take ready</b> · {_fmt_duration(take.duration)} · {take.bitrate} kbit/s MP3"
            if self.can_send_at_all():
                text += (
                    f"<br><span style='color:{theme.TEXT_DIM}'>"
                    "Send posts the pattern with this recording</span>"
                )
        else:
            text = (
                f"<span style='color:{theme.TEXT_DIM}'>Record a take (<b>R</b>) to send the "
                "pattern with its sound</span>"
            )
        self.take_label.setText(text)
        problem = self._send_problem()
        self.send_button.setEnabled(problem is None)
        self.send_button.setToolTip(
            problem or f"Send the pattern and the take ({SEND_SHORTCUT.toString()})"
        )

    @Slot()
    def send(self) -> None:
        if self._send_problem() is not None:
            return
        try:
            self._threads.send_message_from_sequencer(
                self._sequencer.snapshot(), self._recording.last_result
            )
        except RuntimeError as exc:  # a state built without a send queue, or no thread
            log.error("send refused: %s", exc)
            self.sendFailed.emit(f"Could not send: {exc}")
            return
        self._recording.clear_result()
        self._refresh()
