"""The one audio player of the app: a QObject over QMediaPlayer and QAudioOutput.

Not a widget (STYLE.md #4): rows of the message list are painted, so the player only
re-exposes what they need as its own signals — which render is loaded (``key``), playing
or not, position and duration in milliseconds, end of media, errors. One render plays at
a time because there is one player: loading another stops the first.

Position arrives from QMediaPlayer at its own pace (about 20 Hz); while playing, a 30 Hz
timer reads it as well so the seek bar moves smoothly. Both paths emit only real changes.
A seek the UI asked for is applied here and announced once, so a dragged seek bar never
fights the updates it caused itself.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import Q_ARG, QMetaObject, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

from desktop_app.audio.mp3 import looks_playable

log = logging.getLogger(__name__)

UI_INTERVAL_MS = 33
SEEK_GUARD_S = 0.15


class AudioPlayerState(QObject):
    """``AudioPlayerState(parent=None)``.

    Signals: ``currentChanged(str)`` key of the loaded render ("" none),
    ``playingChanged(bool)``, ``positionChanged(int)`` ms, ``durationChanged(int)`` ms,
    ``finished(str)`` key at end of media, ``errorOccurred(str, str)`` key and a sentence,
    ``loopChanged(bool)``.
    """

    currentChanged = Signal(str)
    playingChanged = Signal(bool)
    positionChanged = Signal(int)
    durationChanged = Signal(int)
    finished = Signal(str)
    errorOccurred = Signal(str, str)
    loopChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = QMediaPlayer(self)
        self._output = QAudioOutput(self)
        self._player.setAudioOutput(self._output)
        self._key = ""
        self._path: Path | None = None
        self._playing = False
        self._position = 0
        self._duration = 0
        self._loop = False
        self._pending_seek: int | None = None
        self._stop_at_wrap = False
        self._seek_guard_until = 0.0
        self._retried: str | None = None  # the key already given a second chance
        self._ticker = QTimer(self)
        self._ticker.setInterval(UI_INTERVAL_MS)
        self._ticker.timeout.connect(self._poll_position)
        p = self._player
        p.positionChanged.connect(self._on_position)
        p.durationChanged.connect(self._on_duration)
        p.playbackStateChanged.connect(self._on_state)
        p.mediaStatusChanged.connect(self._on_status)
        p.errorOccurred.connect(self._on_error)

    # ---- reading -----------------------------------------------------------------------
    @property
    def key(self) -> str:
        """Which render is loaded (the caller's key, usually the message id)."""
        return self._key

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def position(self) -> int:
        return self._position

    @property
    def duration(self) -> int:
        return self._duration

    @property
    def loop(self) -> bool:
        return self._loop

    @property
    def volume(self) -> float:
        return self._output.volume()

    def set_volume(self, volume: float) -> None:
        self._output.setVolume(max(0.0, min(1.0, float(volume))))

    # ---- commands ----------------------------------------------------------------------
    def play(self, key: str, path: str | Path, *, start_ms: int = 0) -> None:
        """Load ``path`` under ``key`` (unless it is already loaded) and play it."""
        path = Path(path)
        if key != self._key or path != self._path:
            self._load(key, path)
            if start_ms > 0:
                self._pending_seek = start_ms
        elif start_ms > 0:
            self.seek(start_ms)
        self._invoke("play")

    def pause(self) -> None:
        self._invoke("pause")
        self._mark_stopped()

    def resume(self) -> None:
        if self._key:
            self._invoke("play")

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.resume()

    def stop(self) -> None:
        """Stop and unload: the previous row returns to its idle look."""
        if not self._key:
            return
        self._invoke("stop")
        self._set_source(QUrl())
        self._mark_stopped()
        self._set_key("", None)
        self._set_position(0)
        self._set_duration(0)

    def seek(self, ms: int) -> None:
        ms = max(0, int(ms))
        if self._duration:
            ms = min(ms, self._duration)
        status = self._player.mediaStatus()
        if status in (QMediaPlayer.MediaStatus.LoadingMedia, QMediaPlayer.MediaStatus.NoMedia):
            self._pending_seek = ms  # applied once the media is loaded
        else:
            self._player.setPosition(ms)
        # Reports already on their way predate this seek: ignore them briefly so a knob
        # being dragged does not jump back to where it was.
        self._seek_guard_until = time.monotonic() + SEEK_GUARD_S
        self._set_position(ms)

    def seek_fraction(self, fraction: float) -> None:
        if self._duration:
            self.seek(round(max(0.0, min(1.0, fraction)) * self._duration))

    def seek_by(self, delta_ms: int) -> None:
        if self._key:
            self.seek(self._position + int(delta_ms))

    def set_loop(self, loop: bool) -> None:
        """Repeat the render without a gap (the player's own loop, not a restart)."""
        loop = bool(loop)
        if loop == self._loop:
            return
        self._loop = loop
        if not loop and self._playing:
            # The FFmpeg backend keeps repeating for a while after setLoops(Once) during
            # playback, so the end of the current pass is found here (the position wrapping
            # to the start) and playback stops there.
            self._stop_at_wrap = True
        else:
            self._stop_at_wrap = False
            self._player.setLoops(QMediaPlayer.Loops.Infinite if loop else QMediaPlayer.Loops.Once)
        self.loopChanged.emit(loop)

    # ---- internals -------------------------------------------------------------------
    def _invoke(self, slot: str) -> None:
        """Call one of QMediaPlayer's transport slots through the event loop, not from
        Python. Called from Python, the call holds the GIL while the FFmpeg backend may
        wait for its worker thread — and that thread, tearing down an object connected to
        the player, waits for the GIL to ask PySide whether ``disconnectNotify`` is
        overridden: a deadlock (seen in tests as a rare hang). Queued, the slot runs from
        the event loop in C++ with the GIL free, in the order the calls were made."""
        QMetaObject.invokeMethod(self._player, slot, Qt.ConnectionType.QueuedConnection)

    def _mark_stopped(self) -> None:
        """The transport calls are queued, so say "not playing" now rather than when the
        player gets to them: a row must not keep its pause icon after a stop."""
        self._ticker.stop()
        if self._playing:
            self._playing = False
            self.playingChanged.emit(False)

    def _set_source(self, url: QUrl) -> None:
        QMetaObject.invokeMethod(
            self._player, "setSource", Qt.ConnectionType.QueuedConnection, Q_ARG(QUrl, url)
        )

    def _load(self, key: str, path: Path) -> None:
        self._retried = None
        self._invoke("stop")
        self._stop_at_wrap = False
        self._player.setLoops(
            QMediaPlayer.Loops.Infinite if self._loop else QMediaPlayer.Loops.Once
        )
        self._set_position(0)
        self._set_duration(0)
        self._pending_seek = None
        self._set_key(key, path)
        self._set_source(QUrl.fromLocalFile(str(path)))

    def _set_key(self, key: str, path: Path | None) -> None:
        self._path = path
        if key != self._key:
            self._key = key
            self.currentChanged.emit(key)

    def _set_position(self, ms: int) -> None:
        if ms != self._position:
            self._position = ms
            self.positionChanged.emit(ms)

    def _set_duration(self, ms: int) -> None:
        if ms != self._duration:
            self._duration = ms
            self.durationChanged.emit(ms)

    def _poll_position(self) -> None:
        self._on_position(self._player.position())

    def _on_position(self, ms: int) -> None:
        if not self._key:
            return
        ms = int(ms)
        if time.monotonic() < self._seek_guard_until and abs(ms - self._position) > 250:
            return
        if self._stop_at_wrap and ms < self._position - 250:
            self._end_pass()
            return
        self._set_position(ms)

    def _end_pass(self) -> None:
        """Loop switched off mid-play: this pass is over, as if the file had ended."""
        self._stop_at_wrap = False
        self._invoke("pause")
        self._mark_stopped()
        self._player.setLoops(QMediaPlayer.Loops.Once)
        self._player.setPosition(0)
        self._set_position(0)
        self.finished.emit(self._key)

    def _on_duration(self, ms: int) -> None:
        if self._key:
            self._set_duration(int(ms))

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        if playing:
            self._ticker.start()
        else:
            self._ticker.stop()
        if playing != self._playing:
            self._playing = playing
            self.playingChanged.emit(playing)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia):
            # Only for the file it was meant for: the queued stop of the file playing before
            # reports "loaded" too, and took the seek with it (a row clicked mid-bar while
            # another played started at 0:00).
            if self._pending_seek is not None and self._source_is_ours():
                ms, self._pending_seek = self._pending_seek, None
                self._player.setPosition(ms)
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            if self._loop and self._key:
                # The backend reads the loop count when playback starts: Loop switched on
                # mid-play still ends this pass. The next pass starts here, and loops by
                # itself from then on.
                self._set_position(0)
                self._invoke("play")
                return
            # Back to the start with the play button showing, like any player.
            key = self._key
            self._stop_at_wrap = False
            self._set_position(0)
            self.finished.emit(key)
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._fail(self._player.errorString() or "The file is not playable audio")

    def _source_is_ours(self) -> bool:
        path = self._path
        return path is not None and self._player.source() == QUrl.fromLocalFile(str(path))

    def _on_error(self, error: QMediaPlayer.Error, text: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            self._fail(text or "The file could not be played")

    def _fail(self, text: str) -> None:
        key, path = self._key, self._path
        if not key:
            return
        if path is not None and self._retried != key and looks_playable(path):
            # A sound file that the backend failed to open (it happens when sources are
            # switched very quickly): try once more before calling the file damaged.
            log.info("playback of %s failed (%s); retrying once", key, text)
            self._retried = key
            self._set_source(QUrl())
            self._set_source(QUrl.fromLocalFile(str(path)))
            self._invoke("play")
            return
        log.warning("playback of %s failed: %s", key, text)
        self._invoke("stop")
        self._set_source(QUrl())
        self._set_key("", None)
        self._set_position(0)
        self._set_duration(0)
        self.errorOccurred.emit(key, text)
