"""Playback in the running app: the objects it consists of and how they meet the window.

``Playback.build`` makes the audio cache (capped by the settings), the one player, the
controller and the drag-out helper, with downloads on their own thread pool so they never
wait behind uploads. ``bind(window)`` connects the window's thread-bound widgets — the
message list and the thread list, which the window rebuilds when the server or user
changes, so ``bind`` is called again then — and ``close`` tears it all down at quit.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool

from desktop_app.services.audio_cache import MIB, AudioCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.playback_controller import OwnRecording, PlaybackController
from desktop_app.ui.drag_out import RenderDragger

log = logging.getLogger(__name__)

DOWNLOAD_THREADS = 2
DRAG_KEEP_SECONDS = 7 * 24 * 3600.0


@dataclass
class Playback:
    pool: QThreadPool
    downloads: TaskRunner
    cache: AudioCache
    player: AudioPlayerState
    controller: PlaybackController
    dragger: RenderDragger
    _bound: list[tuple[Any, Any]] = field(default_factory=list)
    _window: Any = None

    @classmethod
    def build(
        cls,
        cache_dir: Path,
        drag_dir: Path,
        cache_size_mb: int,
        api: Any,
        *,
        own_recording: OwnRecording | None = None,
        parent: QObject | None = None,
    ) -> Playback:
        pool = QThreadPool(parent)
        pool.setMaxThreadCount(DOWNLOAD_THREADS)
        downloads = TaskRunner(pool)
        cache = AudioCache(cache_dir, cache_size_mb * MIB)
        player = AudioPlayerState(parent)
        controller = PlaybackController(
            player, cache, downloads, api, own_recording=own_recording, parent=parent
        )
        _tidy_drag_dir(Path(drag_dir))
        return cls(pool, downloads, cache, player, controller, RenderDragger(controller, drag_dir))

    def set_threads_state(self, threads_state: Any) -> None:
        """Rows are looked up in the open thread's model; offline rows say so."""
        controller = self.controller
        controller.set_model(threads_state.messages)
        controller.set_online(threads_state.is_connected)
        threads_state.connectionChanged.connect(
            lambda _text: controller.set_online(threads_state.is_connected)
        )

    def set_cache_size_mb(self, size_mb: int) -> None:
        evicted = self.cache.set_cap(size_mb * MIB)
        if evicted:
            self.controller.allRowsChanged.emit()

    def bind(self, window: Any) -> None:
        """Connect ``window.conversation.messages`` and ``window.thread_list`` (again)."""
        self._unbind()
        c = self.controller
        view = window.conversation.messages
        view.set_playback(c)
        links = [
            (view.playRequested, c.toggle),
            (view.seekRequested, c.seek),
            (view.loopRequested, c.toggle_loop),
            (view.seekByRequested, c.seek_by),
            (view.dragRequested, lambda mid, v=view: self.dragger.start(v, mid)),
        ]
        offline = getattr(window.thread_list, "offlineRequested", None)
        if offline is not None:
            links.append((offline, c.make_thread_available_offline))
        for signal, slot in links:
            signal.connect(slot)
        self._bound = links
        if self._window is not window:
            self._window = window
            c.error.connect(window.show_error)
            c.offlineProgress.connect(
                lambda done, total: window.show_notice(_offline_text(done, total))
            )

    def _unbind(self) -> None:
        for signal, slot in self._bound:
            with contextlib.suppress(RuntimeError, TypeError):  # the widget is already gone
                signal.disconnect(slot)
        self._bound = []

    def close(self) -> None:
        self.player.stop()
        if not self.pool.waitForDone(5000):
            log.warning("downloads still running at exit")
        self.cache.close()


def _tidy_drag_dir(folder: Path, max_age_s: float = DRAG_KEEP_SECONDS) -> None:
    """Files handed to a DAW a while ago: the DAW has its own copy (or link) by now."""
    if not folder.is_dir():
        return
    cutoff = time.time() - max_age_s
    for sub in folder.iterdir():
        with contextlib.suppress(OSError):
            if sub.is_dir() and sub.stat().st_mtime < cutoff:
                shutil.rmtree(sub, ignore_errors=True)


def _offline_text(done: int, total: int) -> str:
    if total == 0:
        return "Everything in this thread is already available offline"
    if done >= total:
        return f"Available offline: {total} recording" + ("" if total == 1 else "s")
    return f"Making available offline… {done} of {total}"
