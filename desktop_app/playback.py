"""The playback objects of the running app, kept together for the wiring and the quit.

``app.build_playback`` makes them (a download pool, the audio cache, the fetcher, the
one player, the controller); this holds them, points the controller at the open
thread's rows and the connection state, applies a new cache cap, and tears down at quit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QThreadPool, SignalInstance

from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.cache_budget import render_cap_bytes
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher

log = logging.getLogger(__name__)


class ThreadsSource(Protocol):
    """The part of ``ThreadsState`` playback follows."""

    @property
    def messages(self) -> MessageListModel: ...
    @property
    def is_connected(self) -> bool: ...
    @property
    def connectionChanged(self) -> SignalInstance: ...


@dataclass
class Playback:
    pool: QThreadPool  # downloads only, so a render never waits behind an upload
    cache: AudioCache
    fetcher: RenderFetcher
    player: AudioPlayerState
    controller: PlaybackController

    def follow(self, threads_state: ThreadsSource) -> None:
        """Rows are the open thread's model; offline rows say so. Called again with the
        new ``ThreadsState`` after a reconnect."""
        controller = self.controller
        controller.set_model(threads_state.messages)
        controller.set_online(threads_state.is_connected)
        threads_state.connectionChanged.connect(
            lambda _text: controller.set_online(threads_state.is_connected)
        )

    def set_cache_size_mb(self, size_mb: int) -> None:
        if self.cache.set_cap(render_cap_bytes(size_mb)):  # the recordings' share
            self.controller.refresh_all()  # evicted renders are no longer available offline

    def close(self) -> None:
        self.player.stop()
        if not self.pool.waitForDone(5000):
            log.warning("downloads still running at exit")
        self.cache.close()
