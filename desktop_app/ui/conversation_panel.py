"""The right-hand column: the open thread's name, its messages and the Send bar.

The Send bar says in words what Send will post (the pattern, plus the last take if there
is one) so pressing it is never a surprise. Whether sending is possible at all depends on
the threads state's ``can_send``; until it holds the button stays disabled and its
tooltip says what is missing.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt, QUrl, Signal, SignalInstance, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.draft import AudioFile, Take
from desktop_app.domain.durations import clock_text
from desktop_app.state.attachments import Attachments, AudioPreparer
from desktop_app.ui import theme
from desktop_app.ui.attachment_bar import AttachmentBar
from desktop_app.ui.composer_text import ComposerText
from desktop_app.ui.elided_label import ElidedLabel
from desktop_app.ui.message_actions import MessageActions, MessageOwner
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.send_drop import DropTarget, SendDrop
from desktop_app.ui.thread_members import names as people_names
from desktop_app.ui.thread_members import private_members

log = logging.getLogger(__name__)

SEND_SHORTCUT = QKeySequence("Ctrl+Return")
MIN_WIDTH = 290
STACK_COMPOSER_BELOW = 360


def open_link(url: str) -> None:
    """A link in a message opens in the user's browser (only web addresses are links)."""
    QDesktopServices.openUrl(QUrl(url))


class ConversationThreads(MessageOwner, DropTarget, AudioPreparer, Protocol):
    """The open thread and the sending of it (``ThreadsState``), besides what the message
    actions, the drop to send and the attachments use of it."""

    @property
    def loading(self) -> bool: ...
    @property
    def can_send(self) -> bool: ...
    @property
    def user_id(self) -> str: ...

    def send_message_from_sequencer(
        self, snapshot: dict[str, Any], take: Take | None = None, *, text: str = "",
        reply_to: str = "",
    ) -> str: ...  # fmt: skip
    def send_text(self, text: str, reply_to: str = "") -> str: ...
    def send_prepared_audio(self, filename: str, audio: AudioFile) -> str: ...

    currentThreadChanged: SignalInstance
    threadsChanged: SignalInstance
    loadingChanged: SignalInstance


class PatternSource(Protocol):
    """What Send posts (``SequencerState``)."""

    def snapshot(self) -> dict[str, Any]: ...


class TakeSource(Protocol):
    """The last take and whether one is being recorded (``RecordingState``)."""

    @property
    def is_recording(self) -> bool: ...
    @property
    def last_result(self) -> Take | None: ...

    def clear_result(self, *, sent_as: str = "") -> None: ...

    finished: SignalInstance
    recordingChanged: SignalInstance


class ConversationPanel(QWidget):
    """``ConversationPanel(threads_state, sequencer_state, recording_state)``.

    ``loadRequested(dict)`` re-emits a message's "load pattern" click; the window decides
    what loading means (an undoable replace of the sequencer's pattern).
    """

    loadRequested = Signal(dict)
    sendFailed = Signal(str)

    def __init__(
        self,
        threads_state: ConversationThreads,
        sequencer_state: PatternSource,
        recording_state: TakeSource,
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
        self.subtitle = ElidedLabel()  # many names end in "…", never widen the panel
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
        self.messages.linkActivated.connect(open_link)
        self.messages.retryRequested.connect(threads_state.retry_message)
        self._actions = MessageActions(
            threads_state, self.messages, self.set_reply, self.loadRequested.emit, self
        )
        # Dropped audio waits in the composer for Send, read once as attached (on a worker).
        self._attached = Attachments(threads_state, self)
        self._attached.refused.connect(self.sendFailed)
        self.attachments = AttachmentBar(self._attached)
        self._drop = SendDrop(
            threads_state, self.messages, self.attach_files, self.sendFailed.emit, self
        )

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
        # Words: Enter sends them (with the take, if one is ready), Ctrl+Enter the pattern.
        self.text_box = ComposerText()
        self.text_box.submitted.connect(self.send_words)
        self.text_box.patternSubmitted.connect(self.send)
        self._reply_to = ""
        self.reply_label = ElidedLabel()  # a long quote ends in "…" (all of it in the tooltip)
        self.reply_label.setObjectName("replyQuote")
        self.reply_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reply_label.setStyleSheet(
            f"color: {theme.TEXT_DIM}; border-left: 3px solid {theme.ACCENT_DIM};"
            " padding-left: 6px;"
        )
        self.reply_cancel = QPushButton("✕")
        self.reply_cancel.setObjectName("replyCancel")
        self.reply_cancel.setToolTip("Do not reply (Esc)")
        self.reply_cancel.setFlat(True)
        self.reply_cancel.clicked.connect(lambda: self.set_reply(""))
        reply_row = QHBoxLayout()
        reply_row.setContentsMargins(0, 0, 0, 0)
        reply_row.addWidget(self.reply_label, 1)
        reply_row.addWidget(self.reply_cancel)
        self.reply_bar = QWidget()
        self.reply_bar.setLayout(reply_row)
        self.reply_bar.hide()
        outer = QVBoxLayout(composer)
        outer.setContentsMargins(16, 8, 12, 10)
        outer.setSpacing(6)
        outer.addWidget(self.reply_bar)
        outer.addWidget(self.attachments)
        outer.addWidget(self.text_box)
        self._composer_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._composer_layout.setContentsMargins(0, 0, 0, 0)
        self._composer_layout.addWidget(self.take_label, 1)
        self._composer_layout.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignRight)
        outer.addLayout(self._composer_layout)

        # Window-wide (the panel need not have focus); owned by the panel, so a panel
        # replaced after a server change takes its shortcuts with it.
        self._send_shortcuts = []
        for keys in (SEND_SHORTCUT, QKeySequence("Ctrl+Enter")):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.send)
            self._send_shortcuts.append(shortcut)
        # Esc in the composer takes back what waits there: the attachments, then the reply.
        self.text_box.escaped.connect(self._take_back)

        # Room for a row whose seek bar keeps its 120 px (the miniature is left out first).
        self.setMinimumWidth(MIN_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.messages, 1)
        layout.addWidget(composer)

        # Everything the header, the take label and Send show follows these alike.
        model = threads_state.messages
        for changed in (
            threads_state.currentThreadChanged,
            threads_state.threadsChanged,
            threads_state.loadingChanged,
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            recording_state.finished,
            recording_state.recordingChanged,
            self.attachments.changed,
        ):
            changed.connect(self._refresh)
        self._refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A narrow panel puts Send under the hint rather than squeezing the hint into a
        # column of single words beside it.
        narrow = event.size().width() < STACK_COMPOSER_BELOW
        self._composer_layout.setDirection(
            QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        )
        super().resizeEvent(event)

    # ---- state -----------------------------------------------------------------------------
    def can_send_at_all(self) -> bool:
        return self._threads.can_send

    def _send_problem(self) -> str | None:
        """Why Send is disabled right now, in the words of its tooltip; None if it isn't."""
        if self._recording.is_recording:
            return "Stop recording first"
        if not self.can_send_at_all():
            return "Sending is not available"
        if not self._threads.current_thread_id:
            return "Pick a thread to send to"
        if reading := self._attached.reading:
            return f"Reading {', '.join(p.name for p in reading)}…"
        return None

    @Slot()
    def _refresh(self, *_args: Any) -> None:
        thread = self._threads.current_thread
        count = self._threads.messages.rowCount()
        if thread is not None:
            self.title.setText(thread.name)
            if thread.private:  # the members are the only ones who see it: say who
                people = f"Private · {private_members(thread.users, self._threads.user_id)}"
            else:  # everyone sees it: the people are those who posted
                people = people_names(self._threads.messages.authors())
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
        attached = self.attachments.files
        if attached and thread is not None:
            names = ", ".join(p.name for p in attached)
            text = (
                f"<b>Send posts {html.escape(names)}</b> to {html.escape(thread.name)}"
                f"<br><span style='color:{theme.TEXT_DIM}'>as "
                f"{'its own message' if len(attached) == 1 else 'a message each'}"
                " — ✕ or Esc takes it back</span>"
            )
        elif self._recording.is_recording:
            text = "Recording… Send becomes available when you stop."
        elif take is not None:
            text = f"<b>Take ready</b> · {clock_text(take.duration)} · {take.bitrate} kbit/s MP3"
            if self.can_send_at_all():
                text += (
                    f"<br><span style='color:{theme.TEXT_DIM}'>"
                    "Send or Enter posts the pattern with this recording</span>"
                )
        else:
            # Said where the words are typed: Enter sends them alone (a chat line, as in
            # every messenger), so a musician who edited the grid is not surprised when
            # the pattern stays behind.
            text = (
                f"<span style='color:{theme.TEXT_DIM}'><b>Enter</b> sends words only; "
                "<b>Send</b> posts the pattern with them (and a take: <b>R</b>) — or drop "
                "an MP3/WAV here</span>"
            )
        self.take_label.setText(text)
        problem = self._send_problem()
        self.send_button.setEnabled(problem is None)
        what = "the pattern and the take" if take is not None else "the pattern"
        what = "the attached audio" if attached else what
        self.send_button.setToolTip(problem or f"Send {what} ({SEND_SHORTCUT.toString()})")

    @Slot()
    def send(self) -> None:
        """Send (Ctrl+Enter): the pattern, the take if one is ready, and any words typed."""
        if self._send_problem() is not None:
            return
        if self.attachments.files:
            self._send_attachments()
            return
        sent_take = self._recording.last_result is not None
        try:
            message_id = self._threads.send_message_from_sequencer(
                self._sequencer.snapshot(),
                self._recording.last_result,
                text=self.text_box.text,
                reply_to=self._reply_to,
            )
        except (RuntimeError, ValueError) as exc:  # no send queue or thread; too long
            log.error("send refused: %s", exc)
            self.sendFailed.emit(f"Could not send: {exc}")
            return
        # The transport follows the take's delivery ("queued" until the server has it).
        self._recording.clear_result(sent_as=message_id if sent_take else "")
        self._sent(message_id)

    @Slot()
    def send_words(self) -> None:
        """Enter in the text box: the words, with the take (and its pattern) if one is
        ready; a take alone goes as Send would send it; nothing typed, nothing sent."""
        if self._send_problem() is not None:
            return
        if self._recording.last_result is not None or self.attachments.files:
            self.send()
            return
        if not self.text_box.text.strip():
            return
        try:
            message_id = self._threads.send_text(self.text_box.text, self._reply_to)
        except (RuntimeError, ValueError) as exc:
            log.error("send refused: %s", exc)
            self.sendFailed.emit(f"Could not send: {exc}")
            return
        self._sent(message_id)

    def attach_files(self, files: list[Path]) -> None:
        """Dropped audio: shown in the composer until Send posts it (or ✕/Esc)."""
        self.attachments.add(files)
        self.text_box.setFocus()

    def _send_attachments(self) -> None:
        """Each attached file as its own message, then any words typed as one more."""
        self._attached.send(self._threads.send_prepared_audio)
        if self.text_box.text.strip():
            try:
                self._threads.send_text(self.text_box.text, self._reply_to)
            except (RuntimeError, ValueError) as exc:
                log.error("send refused: %s", exc)
                self.sendFailed.emit(f"Could not send: {exc}")
                return
        self._sent()

    @Slot()
    def _take_back(self) -> None:
        if self.attachments.files:
            self.attachments.clear()
        elif self._reply_to:
            self.set_reply("")

    def _sent(self, message_id: str = "") -> None:
        self.messages.show_sent(message_id)
        self.text_box.clear()
        self.set_reply("")
        self._refresh()

    def set_reply(self, message_id: str) -> None:
        """Answer a message: its quote shows above the text box until sent or cancelled."""
        self._reply_to = message_id
        if message_id:
            quote = self._threads.messages.quote_of(message_id)
            self.reply_label.setText(f"↩ Replying to {quote}")
            self.reply_label.setToolTip(self.reply_label.text())
            self.text_box.setFocus()
        self.reply_bar.setVisible(bool(message_id))

    @property
    def reply_to(self) -> str:
        return self._reply_to

    # ---- message actions (ui/message_actions.py) and drop to send (ui/send_drop.py) -----
    def add_message_actions(self, provider: Callable[[QMenu, str], None]) -> None:
        """``provider(menu, message_id)`` adds its actions to every message menu (e.g.
        "Save recording as…", which needs the player's files this panel knows nothing of)."""
        self._actions.add(provider)

    def message_menu(self, message_id: str) -> QMenu:
        """The context menu of one row (built separately so tests can inspect it)."""
        return self._actions.menu(message_id)

    def delete_message(self, message_id: str) -> None:
        """One's own message only, after confirmation; the server removes its files."""
        self._actions.delete(message_id)

    def drop_files(self, files: list[Path]) -> None:
        """Attach each audio file (Send posts it); anything else is refused in words."""
        self._drop.drop_files(files)
