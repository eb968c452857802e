"""The playback objects of the running app, kept together for the wiring and the quit.

``Playback.build`` makes them for the composition root (a download pool, the audio cache,
the fetcher, the one player, the controller); this holds them, points the controller at the open
thread's rows and the connection state, applies a new cache cap, and tears down at quit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QObject, QThreadPool, SignalInstance

from desktop_app.paths import AppPaths
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.cache_budget import render_cap_bytes
from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import DownloadApi, OwnRecording, RenderFetcher

log = logging.getLogger(__name__)

DOWNLOAD_THREADS = 2


class ThreadsSource(Protocol):
    """The part of ``ThreadsState`` playback follows."""

    @property
    def messages(self) -> MessageListModel: ...
    @property
    def is_connected(self) -> bool: ...

    connectionChanged: SignalInstance
    recordingsRemoved: SignalInstance  # list of render ids: their messages were deleted


@dataclass
class Playback:
    pool: QThreadPool  # downloads only, so a render never waits behind an upload
    cache: AudioCache
    fetcher: RenderFetcher
    player: AudioPlayerState
    controller: PlaybackController

    @classmethod
    def build(
        cls,
        paths: AppPaths,
        settings: Settings,
        api: DownloadApi,
        own: OwnRecording,
        parent: QObject,
    ) -> Playback:
        """Downloads on their own pool (never behind uploads), the audio cache capped by
        the settings, the fetcher, the one player and the controller that drives it."""
        pool = QThreadPool(parent)
        pool.setMaxThreadCount(DOWNLOAD_THREADS)
        cache = AudioCache(paths.audio_cache_dir, render_cap_bytes(settings.cache_size_mb))
        fetcher = RenderFetcher(cache, TaskRunner(pool), api, own_recording=own, parent=parent)
        player = AudioPlayerState(parent)
        controller = PlaybackController(player, fetcher, parent=parent)
        return cls(pool, cache, fetcher, player, controller)

    def follow(self, threads_state: ThreadsSource) -> None:
        """Rows are the open thread's model; offline rows say so. Called again with the
        new ``ThreadsState`` after a reconnect."""
        controller = self.controller
        controller.set_model(threads_state.messages)
        controller.set_online(threads_state.is_connected)
        threads_state.connectionChanged.connect(
            lambda _text: controller.set_online(threads_state.is_connected)
        )
        threads_state.recordingsRemoved.connect(self._forget)

    def _forget(self, render_ids: list[str]) -> None:
        """A deleted message is deleted for everyone: its recording leaves this disk too
        (it stayed in the cache, unlisted, until evicted)."""
        for render_id in render_ids:
            self.cache.drop(render_id)

    def set_cache_size_mb(self, size_mb: int) -> None:
        if self.cache.set_cap(render_cap_bytes(size_mb)):  # the recordings' share
            self.controller.refresh_all()  # evicted renders are no longer available offline

    def close(self) -> None:
        self.player.stop()
        if not self.pool.waitForDone(5000):
            log.warning("downloads still running at exit")
        self.cache.close()
