"""Decides where a message's audio comes from and drives the one ``AudioPlayerState``.

Press play on a row: the sender's own recording if this machine has it, else the cached
render, else a download into the cache (progress on the row, on the downloads pool, so a
render never waits behind an upload) and then play — unless the user has pressed play on
another row in the meantime. Everything a row paints about its player is answered by
``row(message_id)`` and every change is announced as ``rowChanged(message_id)`` so the
view repaints that one row; the list model's own PLAYING/POSITION roles are kept in step.

A file the player cannot decode is reported on its row and dropped from the cache, so the
next press downloads a fresh copy instead of failing forever.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.domain.message import Message, Render
from desktop_app.services.api import ApiError, TransientApiError
from desktop_app.services.audio_cache import AudioCache, CacheError, thread_messages
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.local_peaks import LocalPeaks

log = logging.getLogger(__name__)

SEEK_STEP_SECONDS = 5.0
NOT_DOWNLOADED = "Not downloaded — the server is unreachable"

OwnRecording = Callable[[str], "Path | None"]
ReadyCallback = Callable[[Path], None]
ErrorCallback = Callable[[str], None]


def recordings_in(folder: Path) -> OwnRecording:
    """The own-recording lookup for takes kept under their message id (the outbox keeps
    ``{message_id}.mp3`` in its files folder until the message is delivered). One ``stat``
    per call, cheap enough to ask while painting."""
    folder = Path(folder)

    def lookup(message_id: str) -> Path | None:
        if not message_id or "/" in message_id or "\\" in message_id:
            return None
        path = folder / f"{message_id}.mp3"
        return path if path.is_file() else None

    return lookup


@dataclass(frozen=True)
class RowView:
    """What one row's player looks like right now (read by the delegate on paint)."""

    loaded: bool = False  # this row's render is in the player
    playing: bool = False
    position_ms: int = 0
    duration_ms: int = 0  # the player's when loaded, else the render's own
    download: float | None = None  # 0..1 while fetching
    autoplay: bool = False  # playback starts when the download completes
    available: bool = False  # playable without the network (own take or cached)
    offline: bool = False  # the server is unreachable now
    error: str = ""
    loop: bool = False
    peaks: tuple[float, ...] | None = None  # computed here when the render has none

    @property
    def fraction(self) -> float:
        return min(1.0, self.position_ms / self.duration_ms) if self.duration_ms else 0.0

    @property
    def not_downloaded(self) -> bool:
        return self.offline and not self.available and self.download is None


class PlaybackController(QObject):
    """``PlaybackController(player, cache, downloads, api=None, *, own_recording=None)``.

    ``downloads`` is a ``TaskRunner`` on its own pool; ``api`` an ``ApiClient`` (its
    ``download`` and ``base_url``), replaceable with ``set_api`` on reconnect;
    ``own_recording(message_id)`` returns the sender's local take of a message, if any.
    """

    rowChanged = Signal(str)
    allRowsChanged = Signal()  # e.g. online/offline: every visible row may look different
    error = Signal(str)  # a sentence for the status bar
    offlineProgress = Signal(int, int)  # renders done, total ("Make available offline")
    _progress = Signal(str, float)  # from download workers, delivered on the GUI thread

    def __init__(
        self,
        player: AudioPlayerState,
        cache: AudioCache,
        downloads: TaskRunner,
        api: Any = None,
        *,
        own_recording: OwnRecording | None = None,
        local_peaks: LocalPeaks | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.player = player
        self.cache = cache
        self._tasks = downloads
        self._api = api
        self._own = own_recording
        self._model: Any = None
        self._online = True
        self._downloads: dict[str, float] = {}  # message id -> progress
        self._waiters: dict[str, list[tuple[ReadyCallback, ErrorCallback | None]]] = {}
        self._errors: dict[str, str] = {}
        self._loops: set[str] = set()
        self._want = ""  # the row the user last pressed play on
        self._want_start_ms = 0
        self._source_key: dict[str, str | None] = {}  # message id -> cache key played
        self._peaks: dict[str, tuple[float, ...] | None] = {}
        self._local_peaks = local_peaks or LocalPeaks(self)
        self._local_peaks.ready.connect(self._on_peaks)
        self._local_peaks.failed.connect(lambda key, _t: self._peaks.setdefault(key, None))
        self._offline_total = self._offline_done = 0
        self._progress.connect(self._on_progress)
        player.currentChanged.connect(self._on_current)
        player.playingChanged.connect(self._on_playing)
        player.positionChanged.connect(self._on_position)
        player.durationChanged.connect(self._on_position)
        player.finished.connect(self._on_finished)
        player.errorOccurred.connect(self._on_player_error)
        self._current = ""

    # ---- collaborators -----------------------------------------------------------------
    def set_api(self, api: Any) -> None:
        self._api = api

    def set_model(self, model: Any) -> None:
        """The open thread's ``MessageListModel`` (rows are looked up by message id)."""
        old, self._model = self._model, model
        if old is model:
            return
        if old is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # the old model may be gone
                old.rowsRemoved.disconnect(self._stop_if_deleted)
        if model is not None and hasattr(model, "rowsRemoved"):
            model.rowsRemoved.connect(self._stop_if_deleted)

    def _stop_if_deleted(self, *_range: Any) -> None:
        """A message deleted while its take plays (by its author, perhaps on another
        machine) takes its row — and so its only pause button — with it: stop it too.
        Checked once the model is done: a row that moves is removed and inserted again."""
        QTimer.singleShot(0, self, self._stop_if_gone)

    def _stop_if_gone(self) -> None:
        key = self.player.key
        if key and self._model is not None and self._model.row_of(key) < 0:
            self.player.stop()

    def set_online(self, online: bool) -> None:
        """Whether the server answers; uncached rows say "not downloaded" while it doesn't."""
        online = bool(online)
        if online != self._online:
            self._online = online
            if online:
                self._errors = {k: v for k, v in self._errors.items() if v != NOT_DOWNLOADED}
            self._announce_all()

    @property
    def online(self) -> bool:
        return self._online

    @property
    def current_message_id(self) -> str:
        return self.player.key

    # ---- what a row shows ----------------------------------------------------------------
    def row(self, message_id: str) -> RowView:
        message = self._message(message_id)
        loaded = bool(message_id) and self.player.key == message_id
        duration = self.player.duration if loaded else 0
        if not duration and message is not None and message.renders:
            duration = round((message.renders[0].duration or 0) * 1000)
        return RowView(
            loaded=loaded,
            playing=loaded and self.player.is_playing,
            position_ms=self.player.position if loaded else 0,
            duration_ms=duration,
            download=self._downloads.get(message_id),
            autoplay=message_id in self._downloads and self._want == message_id,
            available=message is not None and self._available(message),
            offline=not self._online,
            error=self._errors.get(message_id, ""),
            loop=message_id in self._loops,
            peaks=self._row_peaks(message) if message is not None else None,
        )

    def message(self, message_id: str) -> Message | None:
        return self._message(message_id)

    def is_available(self, message_id: str) -> bool:
        message = self._message(message_id)
        return message is not None and self._available(message)

    # ---- commands ----------------------------------------------------------------------
    def toggle(self, message_id: str) -> None:
        """The row's play/pause button (and Space on the selected row)."""
        if message_id and self.player.key == message_id:
            self.player.toggle()
            return
        if message_id in self._downloads and self._want == message_id:
            self._want = ""  # a second press while fetching: fetch, but do not play
            self.rowChanged.emit(message_id)
            return
        self.play(message_id)

    def play(self, message_id: str, *, start_ms: int = 0) -> None:
        message = self._message(message_id)
        if message is None or not (message.renders or self._local_path(message)):
            return
        self._want, self._want_start_ms = message_id, start_ms
        path = self._local_path(message)
        if path is not None:
            self._start(message, path, start_ms)
            return
        if self.player.is_playing:
            self.player.pause()  # the press is answered at once, even before the download
        self._errors.pop(message_id, None)
        self._fetch(message, self._play_when_ready, None)

    def pause(self) -> None:
        self.player.pause()

    def stop(self) -> None:
        self._want = ""
        self.player.stop()

    def seek(self, message_id: str, fraction: float) -> None:
        """A click or drag on a row's seek bar; on a row not playing it starts there."""
        if self.player.key == message_id and self.player.duration:
            self.player.seek_fraction(fraction)
            return
        message = self._message(message_id)
        duration = message.renders[0].duration if message and message.renders else None
        self.play(message_id, start_ms=round(max(0.0, min(1.0, fraction)) * (duration or 0) * 1000))

    def seek_by(self, seconds: float) -> None:
        """Left/Right on the selected row: 5 s back or forward in the loaded render."""
        self.player.seek_by(round(seconds * 1000))

    def set_loop(self, message_id: str, loop: bool) -> None:
        if loop:
            self._loops.add(message_id)
        else:
            self._loops.discard(message_id)
        if self.player.key == message_id:
            self.player.set_loop(loop)
        self.rowChanged.emit(message_id)

    def toggle_loop(self, message_id: str) -> None:
        self.set_loop(message_id, message_id not in self._loops)

    def ensure_file(
        self, message_id: str, on_ready: ReadyCallback, on_error: ErrorCallback | None = None
    ) -> None:
        """A playable file for ``message_id`` (dragging a render out): at once if it is
        local, else after the download (the row shows its progress)."""
        message = self._message(message_id)
        if message is None:
            if on_error:
                on_error("The message is not in this thread any more")
            return
        path = self._local_path(message)
        if path is not None:
            on_ready(path)
        else:
            self._fetch(message, on_ready, on_error)

    def make_available_offline(self, messages: list[Message]) -> int:
        """Download every render of ``messages`` not cached yet; returns how many were
        queued. ``offlineProgress(done, total)`` follows them."""
        todo = [m for m in messages if m.renders and not self._available(m)]
        if not todo:
            self.offlineProgress.emit(0, 0)
            return 0
        self._offline_total += len(todo)
        for m in todo:
            self._fetch(m, lambda _p: self._offline_step(), lambda _t: self._offline_step(),
                        quiet=True)  # fmt: skip
        self.offlineProgress.emit(self._offline_done, self._offline_total)
        return len(todo)

    def make_thread_available_offline(self, thread_id: str) -> None:
        """The thread list's "Make available offline": every message of the thread is
        asked from the server (not only the rows on screen), then downloaded."""
        api = self._api
        if api is None:
            self.error.emit(NOT_DOWNLOADED)
            return

        def done(messages: list[Message]) -> None:
            count = self.make_available_offline(messages)
            log.info("making %d render(s) of thread %s available offline", count, thread_id)

        def failed(exc: BaseException) -> None:
            detail = getattr(exc, "detail", None) or str(exc)
            self.error.emit(f"Could not make the thread available offline: {detail}")

        self._tasks.submit(thread_messages, api, thread_id, on_done=done, on_error=failed)

    # ---- sources -----------------------------------------------------------------------
    def _message(self, message_id: str) -> Message | None:
        if self._model is None or not message_id:
            return None
        return self._model.message(message_id)

    def _local_path(self, message: Message) -> Path | None:
        """Own recording first, then the cache. Remembers which cache key it used."""
        if self._own is not None:
            try:
                own = self._own(message.id)
            except Exception as exc:  # a lookup must never break the play button
                log.warning("own recording lookup failed: %s", exc)
                own = None
            if own is not None and Path(own).is_file():
                self._source_key[message.id] = None
                return Path(own)
        for key in [r.id for r in message.renders]:
            path = self.cache.lookup(key)
            if path is not None:
                self._source_key[message.id] = key
                return path
        return None

    def _available(self, message: Message) -> bool:
        if self.cache.is_available(message):
            return True
        if self._own is None:
            return False
        try:
            own = self._own(message.id)
        except Exception:
            return False
        return own is not None and Path(own).is_file()

    def _fetch(
        self,
        message: Message,
        on_ready: ReadyCallback,
        on_error: ErrorCallback | None,
        *,
        quiet: bool = False,
    ) -> None:
        mid = message.id
        self._waiters.setdefault(mid, []).append((on_ready, on_error))
        if mid in self._downloads:
            return  # already on its way; this caller waits for the same file
        api = self._api
        render: Render = message.renders[0]
        if api is None:
            self._fetch_failed(mid, NOT_DOWNLOADED, quiet)
            return
        self._downloads[mid] = 0.0
        self.rowChanged.emit(mid)
        last = [-1]

        def progress(done: int, total: int) -> None:  # worker thread: only emit
            pct = int(done * 100 / total) if total else 0
            if pct != last[0]:
                last[0] = pct
                self._progress.emit(mid, pct / 100)

        def work() -> Path:
            return self.cache.fetch(render, api.download, base_url=api.base_url,
                                    progress=progress)  # fmt: skip

        def done(path: Path) -> None:
            self._downloads.pop(mid, None)
            self._source_key[mid] = render.id
            self._errors.pop(mid, None)
            self.rowChanged.emit(mid)
            for ready, _err in self._waiters.pop(mid, []):
                ready(path)

        def failed(exc: BaseException) -> None:
            self._downloads.pop(mid, None)
            if isinstance(exc, TransientApiError) and exc.status is None:
                text = NOT_DOWNLOADED
            elif isinstance(exc, ApiError | CacheError):
                text = f"Download failed: {getattr(exc, 'detail', None) or exc}"
            else:
                text = f"Download failed: {exc}"
            self._fetch_failed(mid, text, quiet)

        self._tasks.submit(work, on_done=done, on_error=failed)

    def _fetch_failed(self, mid: str, text: str, quiet: bool) -> None:
        self._errors[mid] = text
        self.rowChanged.emit(mid)
        if not quiet:
            self.error.emit(text)
        for _ready, on_error in self._waiters.pop(mid, []):
            if on_error is not None:
                on_error(text)

    def _play_when_ready(self, path: Path) -> None:
        # Only the row the user asked for last starts; earlier presses just end cached.
        message = self._message(self._want)
        if message is not None and self._local_path(message) == path:
            self._start(message, path, self._want_start_ms)

    def _start(self, message: Message, path: Path, start_ms: int) -> None:
        mid = message.id
        self._errors.pop(mid, None)
        self.player.set_loop(mid in self._loops)
        self.player.play(mid, path, start_ms=start_ms)
        key = self._source_key.get(mid)
        if key:
            self.cache.touch(key)
        self.rowChanged.emit(mid)

    def _offline_step(self) -> None:
        self._offline_done += 1
        self.offlineProgress.emit(self._offline_done, self._offline_total)
        if self._offline_done >= self._offline_total:
            self._offline_done = self._offline_total = 0

    # ---- peaks -------------------------------------------------------------------------
    def _row_peaks(self, message: Message) -> tuple[float, ...] | None:
        if not message.renders or any(r.peaks for r in message.renders):
            return None
        mid = message.id
        if mid in self._peaks:
            return self._peaks[mid]
        render_id = message.renders[0].id
        stored = self.cache.peaks(render_id)
        if stored:
            self._peaks[mid] = stored
            return stored
        path = self.cache.lookup(render_id) if self.cache.contains(render_id) else None
        if path is not None:
            self._peaks[mid] = None  # computing; repainted when ready
            self._local_peaks.request(mid, path)
        return None

    def _on_peaks(self, mid: str, peaks: list) -> None:
        self._peaks[mid] = tuple(peaks)
        message = self._message(mid)
        if message is not None and message.renders:
            self.cache.set_peaks(message.renders[0].id, peaks)
        self.rowChanged.emit(mid)

    # ---- player → rows -------------------------------------------------------------------
    def _on_current(self, key: str) -> None:
        old, self._current = self._current, key
        if old and old != key:
            self._sync_model(old)
            self.rowChanged.emit(old)
        if key:
            self._sync_model(key)
            self.rowChanged.emit(key)

    def _on_playing(self, _playing: bool) -> None:
        if self.player.key:
            self._sync_model(self.player.key)
            self.rowChanged.emit(self.player.key)

    def _on_position(self, _ms: int) -> None:
        if self.player.key:
            self._sync_model(self.player.key)
            self.rowChanged.emit(self.player.key)

    def _on_finished(self, key: str) -> None:
        self._sync_model(key)
        self.rowChanged.emit(key)

    def _on_player_error(self, key: str, text: str) -> None:
        cache_key = self._source_key.pop(key, None)
        if cache_key:
            self.cache.drop(cache_key)  # damaged: the next press downloads it again
            self._peaks.pop(key, None)
            text = "This recording could not be played and was removed from the cache"
        else:
            text = f"This recording could not be played: {text}"
        self._errors[key] = text
        self._sync_model(key)
        self.rowChanged.emit(key)
        self.error.emit(text)

    def _on_progress(self, mid: str, fraction: float) -> None:
        if mid in self._downloads:
            self._downloads[mid] = fraction
            self.rowChanged.emit(mid)

    def _sync_model(self, mid: str) -> None:
        if self._model is None:
            return
        loaded = self.player.key == mid
        view_playing = loaded and self.player.is_playing
        duration = self.player.duration if loaded else 0
        fraction = self.player.position / duration if loaded and duration else 0.0
        self._model.set_playback(mid, playing=view_playing, position=fraction)

    def _announce_all(self) -> None:
        self.allRowsChanged.emit()
