"""Files handed to the app by the desktop: ``sequencer groove.json``, ``sequencer take.mp3``.

A pattern file goes through the window's own Open (one undoable step, a dialog that says
what is wrong with a bad file); an audio file plays on the app's one player, with a small
"now playing" control in the status bar so it can be paused or stopped. The player is the
same one the message rows use, so starting a message stops the file and vice versa.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QToolButton, QWidget

from desktop_app.domain.durations import clock_text
from desktop_app.state.playback_protocols import Player
from desktop_app.ui import theme
from desktop_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

PATTERN_SUFFIXES = frozenset({".json"})
AUDIO_SUFFIXES = frozenset({".mp3", ".wav", ".flac", ".ogg", ".oga", ".m4a", ".aac"})
FILE_KEY_PREFIX = "file:"


def _clock(ms: float) -> str:
    """``durations.clock_text``: whole seconds cut, as the message rows show them."""
    return clock_text(max(0.0, ms) / 1000)


class _ClickLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.on_click: Callable[[], None] | None = None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.on_click is not None:
            self.on_click()
        super().mouseReleaseEvent(event)


class NowPlaying(QWidget):
    """Status-bar control for what plays: pause/resume, name and time, stop. An opened
    audio file, or a message (playing on in another thread); ``follow(..., on_click)``
    makes the name a way back to it."""

    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nowPlaying")
        self._player = player
        self._key = ""
        self._name = ""
        self._length_ms = 0.0  # what plays says how long it is (a message's render)
        self.toggle_button = QToolButton(self)
        self.toggle_button.setAutoRaise(True)
        self.toggle_button.clicked.connect(player.toggle)
        self.label = _ClickLabel(self)
        self.label.setStyleSheet(f"color: {theme.TEXT};")
        self.stop_button = QToolButton(self)
        self.stop_button.setAutoRaise(True)
        self.stop_button.setText("■")
        self.stop_button.setToolTip("Stop")
        self.stop_button.clicked.connect(player.stop)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(4)
        layout.addWidget(self.toggle_button)
        layout.addWidget(self.label)
        layout.addWidget(self.stop_button)
        # Played to its end (the player is back at the start, not paused half-way): said
        # so until it plays again or is sought into.
        self._ended = False
        player.currentChanged.connect(self._refresh)
        player.playingChanged.connect(self._refresh)
        player.positionChanged.connect(self._refresh)
        player.durationChanged.connect(self._refresh)
        player.finished.connect(self._on_finished)
        self.hide()

    @Slot(str)
    def _on_finished(self, key: str) -> None:
        if key and key == self._key:
            self._ended = True
            self._refresh()

    def follow(
        self,
        key: str,
        name: str,
        on_click: Callable[[], None] | None = None,
        length_s: float | None = None,
    ) -> None:
        """``length_s``: the length the rows show (a render's own), rather than the
        player's decoded one, which adds the MP3's padding."""
        self._key, self._name = key, name
        self._length_ms = (length_s or 0.0) * 1000
        self._ended = False
        self.label.on_click = on_click
        self.label.setCursor(
            Qt.CursorShape.PointingHandCursor if on_click else Qt.CursorShape.ArrowCursor
        )
        self.label.setToolTip("Go to the message" if on_click else "")
        self._refresh()

    def rename(self, key: str, name: str) -> None:
        """What plays is called something else now (its thread was renamed)."""
        if key and key == self._key and name != self._name:
            self._name = name
            self._refresh()

    def stop_if(self, key: str) -> None:
        """What plays is gone (its message or thread deleted): stop, and the bar hides."""
        if key and key == self._key and self._player.key == key:
            self._player.stop()

    @property
    def text(self) -> str:
        return self.label.text()

    @Slot()
    def _refresh(self, *_args: Any) -> None:
        player = self._player
        if not self._key or player.key != self._key:
            self.hide()
            return
        playing = player.is_playing
        if playing or player.position > 0:
            self._ended = False
        self.toggle_button.setText("❚❚" if playing else "▶")
        self.toggle_button.setToolTip("Pause" if playing else "Play")
        length = self._length_ms or player.duration
        if self._ended:
            timing = _clock(length) if length else ""
            self.label.setText(f"Ended: {self._name}  {timing}".rstrip())
        else:
            verb = "Now playing" if playing else "Paused"
            timing = _clock(player.position)
            if length:
                timing += f" / {_clock(length)}"
            self.label.setText(f"{verb}: {self._name}  {timing}")
        self.show()


class FileOpener(QObject):
    """``FileOpener(window, player)``; ``open(paths)`` loads patterns and plays audio."""

    def __init__(self, window: MainWindow, player: Player, parent: QObject | None = None) -> None:
        super().__init__(parent or window)
        self._window = window
        self._player = player
        self.now_playing = NowPlaying(player)
        window.statusBar().insertPermanentWidget(0, self.now_playing)  # left of the badge

    def open(self, paths: Iterable[Path | str]) -> None:
        for path in paths:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> bool:
        """Load or play one file; a file of another kind, or a missing one, says so."""
        path = path.expanduser()
        suffix = path.suffix.lower()
        log.info("opening %s from the command line", path)
        if suffix in PATTERN_SUFFIXES:
            return bool(self._window.pattern_files.open_file(path))
        if suffix in AUDIO_SUFFIXES:
            return self.play_audio(path)
        self._refuse(
            path,
            "Sequencer opens pattern files (.json) and audio files "
            f"({', '.join(sorted(AUDIO_SUFFIXES))}).",
        )
        return False

    def play_audio(self, path: Path) -> bool:
        if not path.is_file():
            self._refuse(path, "The file does not exist." if not path.exists() else "Not a file.")
            return False
        key = FILE_KEY_PREFIX + str(path.resolve())
        self.now_playing.follow(key, path.name)
        self._player.play(key, path)
        return True

    def _refuse(self, path: Path, why: str) -> None:
        log.warning("could not open %s: %s", path, why)
        QMessageBox.warning(self._window, "Could not open the file", f"{path}\n\n{why}")
