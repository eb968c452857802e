"""What the playback controller needs of its collaborators, so each is passed in typed.

``AudioPlayerState``, ``RenderFetcher`` and ``MessageListModel`` are the real ones; the
protocols say which part of each the controller relies on (signals are properties
returning ``SignalInstance``, which Qt's own classes satisfy).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import SignalInstance

from desktop_app.domain.message import Message
from desktop_app.services.audio_cache import AudioCache
from desktop_app.state.row_playback import RowPlayback

ReadyCallback = Callable[[Path], None]
ErrorCallback = Callable[[str], None]
StateOf = Callable[[Message, RowPlayback], RowPlayback]


class Player(Protocol):
    """The one audio player (``AudioPlayerState``): which key is loaded and where it is."""

    @property
    def key(self) -> str: ...
    @property
    def is_playing(self) -> bool: ...
    @property
    def position(self) -> int: ...
    @property
    def duration(self) -> int: ...

    def play(self, key: str, path: str | Path, *, start_ms: int = 0) -> None: ...
    def pause(self) -> None: ...
    def toggle(self) -> None: ...
    def stop(self) -> None: ...
    def seek_fraction(self, fraction: float) -> None: ...
    def seek_by(self, delta_ms: int) -> None: ...
    def set_loop(self, loop: bool) -> None: ...

    currentChanged: SignalInstance
    playingChanged: SignalInstance
    positionChanged: SignalInstance
    durationChanged: SignalInstance
    finished: SignalInstance
    errorOccurred: SignalInstance


class Fetcher(Protocol):
    """Where a message's file comes from (``RenderFetcher``)."""

    cache: AudioCache

    def progress(self, message_id: str) -> float | None: ...
    def local_path(self, message: Message) -> tuple[Path, str | None] | None: ...
    def is_available(self, message: Message) -> bool: ...
    def ensure_file(
        self, message: Message, on_ready: ReadyCallback, on_error: ErrorCallback | None = None
    ) -> None: ...
    def fetch(
        self,
        message: Message,
        on_ready: ReadyCallback,
        on_error: ErrorCallback | None = None,
        *,
        quiet: bool = False,
    ) -> None: ...

    changed: SignalInstance
    fetched: SignalInstance
    failed: SignalInstance
    error: SignalInstance


class PlaybackRows(Protocol):
    """The open thread's rows (``MessageListModel``): where a row's player state lives."""

    def message(self, message_id: str) -> Message | None: ...
    def row_of(self, message_id: str) -> int: ...
    def playback(self, message_id: str) -> RowPlayback: ...
    def set_row_playback(self, message_id: str, state: RowPlayback) -> bool: ...
    def refresh_playback(self, state_of: StateOf, first: int = 0, last: int = -1) -> None: ...

    modelReset: SignalInstance
    rowsInserted: SignalInstance
    rowsRemoved: SignalInstance
    peaksWanted: SignalInstance
