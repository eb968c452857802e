"""Start, stop and follow the engine for the sequencer's transport.

The engine is polled rather than called back: ``current_step()`` ~30 Hz while playing (the
playhead highlight) and ``is_playing`` at a lower rate while stopped, so playback started
or stopped elsewhere (the recorder, a device fallback) shows up in the transport too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer

from desktop_app.domain.pattern import Pattern

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine

PLAYING_POLL_MS = 33  # ~30 Hz: smooth enough for a playhead, cheap enough to not matter
IDLE_POLL_MS = 200


class EngineTransport:
    """Plays and stops ``engine`` (None: a transport that never plays) and reports what
    the engine does: ``on_playing(bool)`` and ``on_step(int)`` (-1 when stopped), each
    only when it changes."""

    def __init__(
        self,
        engine: Engine | None,
        parent: QObject,
        on_playing: Callable[[bool], None],
        on_step: Callable[[int], None],
    ) -> None:
        self._engine = engine
        self._on_playing = on_playing
        self._on_step = on_step
        self.playing = False
        self.current_step = -1
        self._timer = QTimer(parent)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.poll)
        if engine is not None:
            self._timer.start(IDLE_POLL_MS)

    def play(self, pattern: Pattern) -> None:
        # The engine's own state, not the polled one: a take that just ended may have
        # stopped playback since the last poll.
        if self._engine is None or self._engine.is_playing:
            return
        self._engine.set_pattern(pattern)
        self._engine.start()
        self.poll()

    def stop(self) -> None:
        if self._engine is None:
            return
        self._engine.stop(wait=False)
        self.poll()

    def poll(self) -> None:
        engine = self._engine
        if engine is None:
            return
        playing = bool(engine.is_playing)
        step = engine.current_step() if playing else None
        step = -1 if step is None else int(step)
        if playing != self.playing:
            self.playing = playing
            self._timer.start(PLAYING_POLL_MS if playing else IDLE_POLL_MS)
            self._on_playing(playing)
        if step != self.current_step:
            self.current_step = step
            self._on_step(step)
