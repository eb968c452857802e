"""Drives the one ``AudioPlayerState`` from the rows and writes each row's player state.

Press play on a row: the file comes from the ``RenderFetcher`` (own take, cache, or a
download with progress) and then plays — unless the user has pressed play on another row
in the meantime. Whatever changes (the player ticks, a download moves, an error, Loop,
the server going away) is written into the list model's row with
``set_row_playback``: the model is the one store the delegate paints from, and it
announces only the roles that changed, so a 30 Hz position tick is one ``dataChanged``
on the playing row. ``row(message_id)`` reads the model back, for callers that work by id.

A file the player cannot decode is reported on its row and dropped from the cache, so the
next press downloads a fresh copy instead of failing forever.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal

from desktop_app.domain.message import Message
from desktop_app.state.local_peaks import LocalPeaks
from desktop_app.state.playback_protocols import (
    ErrorCallback,
    Fetcher,
    PlaybackRows,
    Player,
    ReadyCallback,
)
from desktop_app.state.render_fetcher import NOT_DOWNLOADED, OwnRecording, recordings_in
from desktop_app.state.row_playback import NO_PLAYBACK, RowPlayback

__all__ = ["NOT_DOWNLOADED", "OwnRecording", "PlaybackController", "RowView", "recordings_in"]

log = logging.getLogger(__name__)

SEEK_STEP_SECONDS = 5.0


@dataclass(frozen=True)
class RowView(RowPlayback):
    """A row's player state as the model holds it, plus what only the controller knows."""

    autoplay: bool = False  # playback starts when the download completes
    available: bool = False  # playable without the network (own take or cached)

    @property
    def fraction(self) -> float:
        return min(1.0, self.position_ms / self.duration_ms) if self.duration_ms else 0.0


class PlaybackController(QObject):
    """``PlaybackController(player, fetcher, *, local_peaks=None)``; ``set_model(model)``
    with the open thread's ``MessageListModel``, ``set_online`` as the server comes and
    goes. ``rowChanged(message_id)`` follows every row the model has been told about."""

    rowChanged = Signal(str)
    error = Signal(str)  # a sentence for the status bar (the fetcher's as well)

    def __init__(
        self,
        player: Player,
        fetcher: Fetcher,
        *,
        local_peaks: LocalPeaks | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.player = player
        self.fetcher = fetcher
        self.cache = fetcher.cache
        self._model: PlaybackRows | None = None
        self._online = True
        self._errors: dict[str, str] = {}
        self._loops: set[str] = set()
        self._want = ""  # the row the user last pressed play on
        self._want_start_ms = 0
        self._source_key: dict[str, str | None] = {}  # message id -> cache key played
        self._peaks: dict[str, tuple[float, ...] | None] = {}  # None: being computed
        self._unstored: set[str] = set()  # no peaks stored in the cache for these yet
        self._local_peaks = local_peaks or LocalPeaks(self)
        self._local_peaks.ready.connect(self._on_peaks)
        self._local_peaks.failed.connect(lambda key, _t: self._peaks.setdefault(key, None))
        fetcher.changed.connect(self._publish)
        fetcher.fetched.connect(self._on_fetched)
        fetcher.failed.connect(self._on_fetch_failed)
        fetcher.error.connect(self.error)
        player.currentChanged.connect(self._on_current)
        player.playingChanged.connect(self._on_player_tick)
        player.positionChanged.connect(self._on_player_tick)
        player.durationChanged.connect(self._on_player_tick)
        player.finished.connect(self._publish)
        player.errorOccurred.connect(self._on_player_error)
        self._current = ""

    # ---- collaborators -----------------------------------------------------------------
    @property
    def model(self) -> PlaybackRows | None:
        return self._model

    def set_model(self, model: PlaybackRows | None) -> None:
        """The open thread's rows: looked up by message id, and where each row's player
        state is written (rows arriving later get theirs as they are inserted)."""
        old = self._model
        if old is model:
            return
        if old is not None:
            old.modelReset.disconnect(self.refresh_all)
            old.rowsInserted.disconnect(self._on_rows_inserted)
            old.rowsRemoved.disconnect(self._stop_if_deleted)
            old.peaksWanted.disconnect(self._on_peaks_wanted)
        self._model = model
        if model is not None:
            model.modelReset.connect(self.refresh_all)
            model.rowsInserted.connect(self._on_rows_inserted)
            model.rowsRemoved.connect(self._stop_if_deleted)
            # queued: asked while a row is painted, answered after the paint
            model.peaksWanted.connect(self._on_peaks_wanted, Qt.ConnectionType.QueuedConnection)
            self.refresh_all()

    def _stop_if_deleted(self, *_range: object) -> None:
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
            self.refresh_all()

    @property
    def online(self) -> bool:
        return self._online

    @property
    def current_message_id(self) -> str:
        return self.player.key

    # ---- reading -----------------------------------------------------------------------
    def row(self, message_id: str) -> RowView:
        """The row's player state as the model holds it (what the delegate paints); like
        a paint, it starts computing peaks the render came without."""
        message = self._message(message_id)
        if message is not None:
            self._on_peaks_wanted(message_id)
        stored = self._model.playback(message_id) if self._model is not None else NO_PLAYBACK
        values = {f.name: getattr(stored, f.name) for f in fields(RowPlayback)}
        duration_ms = stored.duration_ms
        if not duration_ms and message is not None and message.renders:
            duration_ms = round((message.renders[0].duration or 0) * 1000)
        values["duration_ms"] = duration_ms
        return RowView(
            **values,
            autoplay=stored.download is not None and self._want == message_id,
            available=message is not None and self.fetcher.is_available(message),
        )

    def message(self, message_id: str) -> Message | None:
        return self._message(message_id)

    def is_available(self, message_id: str) -> bool:
        message = self._message(message_id)
        return message is not None and self.fetcher.is_available(message)

    # ---- commands ----------------------------------------------------------------------
    def toggle(self, message_id: str) -> None:
        """The row's play/pause button (and Space on the selected row)."""
        if message_id and self.player.key == message_id:
            self.player.toggle()
            return
        if self.fetcher.progress(message_id) is not None and self._want == message_id:
            self._want = ""  # a second press while fetching: fetch, but do not play
            return
        self.play(message_id)

    def play(self, message_id: str, *, start_ms: int = 0) -> None:
        message = self._message(message_id)
        local = self.fetcher.local_path(message) if message is not None else None
        if message is None or not (message.renders or local):
            return
        self._want, self._want_start_ms = message_id, start_ms
        if local is not None:
            self._start(message, local, start_ms)
            return
        if self.player.is_playing:
            self.player.pause()  # the press is answered at once, even before the download
        self._errors.pop(message_id, None)
        self.fetcher.fetch(message, self._play_when_ready, None)

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

    def seek_by(self, message_id: str, seconds: float) -> None:
        """Left/Right on the current row: ``seconds`` (a bar of its pattern, or 5 s) back or
        forward in its render, when it is the one playing or paused (another row's keys
        never move this one)."""
        if message_id and self.player.key == message_id:
            self.player.seek_by(round(seconds * 1000))

    def set_loop(self, message_id: str, loop: bool) -> None:
        if loop:
            self._loops.add(message_id)
        else:
            self._loops.discard(message_id)
        if self.player.key == message_id:
            self.player.set_loop(loop)
        self._publish(message_id)

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
        self.fetcher.ensure_file(message, on_ready, on_error)

    # ---- playing -----------------------------------------------------------------------
    def _message(self, message_id: str) -> Message | None:
        if self._model is None or not message_id:
            return None
        return self._model.message(message_id)

    def _play_when_ready(self, path: Path) -> None:
        # Only the row the user asked for last starts; earlier presses just end cached.
        message = self._message(self._want)
        local = self.fetcher.local_path(message) if message is not None else None
        if message is not None and local is not None and local[0] == path:
            self._start(message, local, self._want_start_ms)

    def _start(self, message: Message, local: tuple[Path, str | None], start_ms: int) -> None:
        mid = message.id
        path, key = local
        self._source_key[mid] = key
        self._errors.pop(mid, None)
        self.player.set_loop(mid in self._loops)
        self.player.play(mid, path, start_ms=start_ms)
        if key:
            self.cache.touch(key)
        self._publish(mid)

    # ---- rows --------------------------------------------------------------------------
    def refresh_all(self) -> None:
        """Every row again (online/offline, thread reloaded, cache evicted)."""
        if self._model is not None:
            self._model.refresh_playback(self._state_if_touched)

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if self._model is not None:
            self._model.refresh_playback(self._state_if_touched, first, last)

    def _publish(self, message_id: str) -> None:
        """Write one row's player state into the model (it announces what changed)."""
        message = self._message(message_id)
        if message is None or self._model is None:
            return
        if self._model.set_row_playback(message_id, self._state(message)):
            self.rowChanged.emit(message_id)

    def _state(self, message: Message) -> RowPlayback:
        mid = message.id
        player = self.player
        loaded = player.key == mid
        download = self.fetcher.progress(mid)
        state = RowPlayback(
            loaded=loaded,
            playing=loaded and player.is_playing,
            position_ms=player.position if loaded else 0,
            duration_ms=player.duration if loaded else 0,
            download=download,
            not_downloaded=(
                not self._online and download is None and not self.fetcher.is_available(message)
            ),
            error=self._errors.get(mid, ""),
            loop=mid in self._loops,
            peaks=self._row_peaks(message),
        )
        return NO_PLAYBACK if state == NO_PLAYBACK else state  # keeps the fast path fast

    def _state_if_touched(self, message: Message, current: RowPlayback) -> RowPlayback:
        """``_state`` for a whole thread at once: rows nothing has happened to keep the
        shared default without a look at the cache, so 10,000 rows cost little."""
        mid = message.id
        untouched = (
            self._online
            and current is NO_PLAYBACK
            and mid != self.player.key
            and mid not in self._errors
            and mid not in self._loops
            and self.fetcher.progress(mid) is None
            and not self._may_have_local_peaks(message)
        )
        return current if untouched else self._state(message)

    # ---- peaks ---------------------------------------------------------------------------
    def _may_have_local_peaks(self, message: Message) -> bool:
        renders = message.renders
        if not renders or any(r.peaks for r in renders):
            return False
        return message.id in self._peaks or self.cache.contains(renders[0].id)

    def _row_peaks(self, message: Message, *, compute: bool = False) -> tuple[float, ...] | None:
        """Peaks for a cached render that came without any: stored in the cache once
        computed, else (``compute``) decoded here; the row is updated when they are ready."""
        if not self._may_have_local_peaks(message):
            return None
        mid = message.id
        if mid in self._peaks:
            return self._peaks[mid]
        render_id = message.renders[0].id
        if mid not in self._unstored:  # one look in the cache's index, not one per tick
            stored = self.cache.peaks(render_id)
            if stored:
                self._peaks[mid] = stored
                return stored
            self._unstored.add(mid)
        path = self.cache.lookup(render_id) if compute else None
        if path is not None:
            self._peaks[mid] = None  # computing
            self._local_peaks.request(mid, path)
        return None

    def _on_peaks_wanted(self, mid: str) -> None:
        message = self._message(mid)
        if message is None or mid in self._peaks:
            return  # known, being computed, or gone
        if self._row_peaks(message, compute=True):
            self._publish(mid)  # they were stored in the cache already

    def _on_peaks(self, mid: str, peaks: list[float]) -> None:
        self._peaks[mid] = tuple(peaks)
        message = self._message(mid)
        if message is not None and message.renders:
            self.cache.set_peaks(message.renders[0].id, peaks)
        self._publish(mid)

    # ---- player and fetcher → rows ---------------------------------------------------------
    def _on_current(self, key: str) -> None:
        old, self._current = self._current, key
        if old and old != key:
            self._publish(old)
        if key:
            self._publish(key)

    def _on_player_tick(self, _value: object = None) -> None:
        if self.player.key:
            self._publish(self.player.key)

    def _on_player_error(self, key: str, text: str) -> None:
        cache_key = self._source_key.pop(key, None)
        if cache_key:
            self.cache.drop(cache_key)  # damaged: the next press downloads it again
            self._peaks.pop(key, None)
            text = "This recording could not be played and was removed from the cache"
        else:
            text = f"This recording could not be played: {text}"
        self._errors[key] = text
        self._publish(key)
        self.error.emit(text)

    def _on_fetched(self, mid: str) -> None:
        self._errors.pop(mid, None)
        self._publish(mid)

    def _on_fetch_failed(self, mid: str, text: str) -> None:
        self._errors[mid] = text
        self._publish(mid)
