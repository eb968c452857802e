"""Helpers for the send-flow GUI tests: one desktop client's parts wired as the app does,
a real MP3 take, and what the server holds."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QThreadPool

from desktop_app.audio.mp3 import encode_mp3
from desktop_app.audio.recorder import RecordingResult
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY
from desktop_app.state.server_session import ServerSession, SessionFiles
from tests.conftest import TOKEN

TIMEOUT = 10_000


def take(tmp_path, seconds: float = 8.0, name: str = "take") -> RecordingResult:
    rate = 44100
    t = np.arange(int(rate * seconds)) / rate
    mono = (np.sin(2 * np.pi * 110 * t) * 0.3).astype(np.float32)
    pcm = np.stack([mono, mono], axis=1)
    path = tmp_path / f"{name}.mp3"
    info = encode_mp3(pcm, rate, path, 320)
    return RecordingResult(
        mp3_path=path,
        wav_path=tmp_path / f"{name}.wav",
        duration=seconds,
        bitrate=320,
        size_bytes=info.size_bytes,
        peaks=[0.3] * 100,
    )


class Client:
    """One desktop client: its server session (API, outbox, send queue, threads state)."""

    def __init__(self, qtbot, url: str, home, user: str = "alice") -> None:
        self.api = ApiClient(url, TOKEN, timeout=5.0)
        self.tasks = TaskRunner(QThreadPool())
        files = SessionFiles(None, home / "outbox.sqlite3", home / "outbox")
        self.session = ServerSession(
            ServerConnection(self.api, url, "test server"),
            user,
            files,
            self.tasks,
            retry_delays=(0.1,),
        )
        self.state = self.session.open()
        self.outbox = self.session.outbox
        self.queue = self.session.queue
        self.uploads = self.session.uploads
        self.qtbot = qtbot

    def open(self, thread_id: str) -> None:
        self.state.start()
        self.state.open_thread(thread_id)
        # The thread list and the messages come in two answers; either may be last.
        self.qtbot.waitUntil(
            lambda: not self.state.loading and self.state.current_thread is not None,
            timeout=TIMEOUT,
        )

    def render_state(self, message_id: str) -> str | None:
        row = self.state.messages.row_of(message_id)
        return None if row < 0 else self.state.messages.index(row).data(Roles.RENDER_STATE)

    def delivered(self, message_id: str) -> bool:
        """The render is attached (a queued take also shows a player, from the outbox)."""
        message = self.state.messages.message(message_id)
        return (
            self.render_state(message_id) == RENDER_READY
            and message is not None
            and bool(message.renders)
        )

    def close(self) -> None:
        self.session.close(wait_ms=5000)


def server_messages(url: str, thread_id: str):
    return ApiClient(url, TOKEN).list_messages(thread_id).messages
