"""Recording what the engine plays, as a QObject the transport binds to.

The ``Recorder`` (audio layer) taps the engine's output blocks and encodes the MP3 while
recording, so stopping gives a ready file: ``finished(RecordingResult)`` and
``last_result`` are what the send flow uploads (the seed's ``convertedMp3Path``).

A take follows the transport: recording starts playback if it was stopped (and stops it
again at the end), and stopping playback while recording ends the take, since nothing more
would be heard. Failures never raise into the UI; they arrive as one ``error(str)``
sentence the window can show.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.audio.recorder import Recorder, RecordingError, RecordingResult
from desktop_app.audio.timing import bar_frames, bars_beats, next_bar_line

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine
    from desktop_app.settings import Settings

log = logging.getLogger(__name__)

METER_INTERVAL_MS = 33  # ~30 Hz meter and clock, while something plays
# Idle, only to notice that the engine started playing when nobody says so: the app
# connects ``transport_changed`` to the sequencer's playingChanged, which is at once.
IDLE_METER_MS = 1000
DEFAULT_BITRATE = 320


class RecordingState(QObject):
    """Start/stop a take, publish its level and elapsed time, keep the last result."""

    recordingChanged = Signal(bool)
    levelChanged = Signal(float)  # 0..1 peak of the output (and of the take while recording)
    elapsedChanged = Signal(float)  # seconds since the take started
    finished = Signal(object)  # RecordingResult
    resultCleared = Signal()  # the take was sent (or discarded): nothing is ready any more
    # How far the take last sent got: "queued", "waiting" (for the server), "sent", "failed".
    sentTakeStatus = Signal(str)
    error = Signal(str)
    _failedInTake = Signal(str)  # from the recorder's worker thread, delivered queued

    def __init__(
        self,
        engine: Engine | None,
        recordings_dir: str | Path,
        settings: Settings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._dir = Path(recordings_dir)
        self._settings = settings
        self._recorder: Recorder | None = None
        self._started_playback = False
        self.last_result: RecordingResult | None = None
        self._sent_id = ""  # the message the last take went out with, until delivered
        self._timer = QTimer(self)
        self._timer.setInterval(METER_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._failedInTake.connect(self._on_failed_in_take)
        self._last_level = 0.0
        if engine is not None:
            # The level meter shows the output whenever something plays, not only takes.
            self._timer.start()

    @property
    def is_recording(self) -> bool:
        return self._recorder is not None

    @property
    def recordings_dir(self) -> Path:
        return self._dir

    def transport_changed(self, playing: bool) -> None:
        """The engine started (the meter goes to 30 Hz now) or stopped playing."""
        if playing and self._engine is not None:
            self._timer.start(METER_INTERVAL_MS)

    def toggle(self) -> None:
        if self.is_recording:
            self.stop()
        else:
            self.start()

    def start(self, *, bars: int | None = None, count_in_bars: int = 0) -> None:
        """Start a take; playback starts too if the transport was stopped (after
        ``count_in_bars`` bars of click then). With ``bars`` the take ends by itself after
        exactly that many bars, so it loops whole."""
        if self._recorder is not None:
            return
        engine = self._engine
        if engine is None:
            self.error.emit("Recording needs the audio engine, which did not start.")
            return
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            recorder = Recorder(
                engine, self._dir, on_error=self._failedInTake.emit, **self._recorder_options()
            )
            pattern = engine.pattern
            length = bar_frames(pattern, engine.sample_rate, bars) if bars and pattern else None
            recorder.start(length_frames=length)
        except (RecordingError, OSError) as exc:
            log.warning("could not start recording: %s", exc)
            self.error.emit(f"Could not start recording: {exc}")
            return
        self._recorder = recorder
        self._started_playback = False
        if not engine.is_playing:
            try:
                engine.start(count_in_bars=count_in_bars)
            except Exception as exc:  # a device error must not leave a take running
                log.exception("playback did not start for recording")
                self._abort(f"Could not start playback for recording: {exc}")
                return
            self._started_playback = True
        self._timer.start(METER_INTERVAL_MS)  # the take's meter and clock from now on
        self.recordingChanged.emit(True)
        self.elapsedChanged.emit(0.0)

    def stop_at_bar_end(self) -> None:
        """End the take on the next bar line (counted from the take's start), so that it
        loops whole; ``finished`` follows then."""
        recorder, engine = self._recorder, self._engine
        if recorder is None or engine is None or engine.pattern is None:
            return
        recorder.finish_at(next_bar_line(engine.pattern, engine.sample_rate, recorder.frames_taken))

    def take_clock(self) -> str:
        """The take's length as bars.beats ("1.1" at the start)."""
        recorder, engine = self._recorder, self._engine
        if recorder is None or engine is None or engine.pattern is None:
            return "1.1"
        return bars_beats(engine.pattern, engine.sample_rate, recorder.frames_taken)

    def stop(self) -> RecordingResult | None:
        """End the take; emits ``finished`` with the MP3, or ``error`` if nothing usable
        was recorded. Returns the result as well, for callers that want it directly."""
        recorder = self._recorder
        if recorder is None:
            return None
        self._recorder = None
        try:
            result = recorder.stop()
        except (RecordingError, OSError) as exc:
            log.warning("recording failed: %s", exc)
            result = None
            message = str(exc)
        self._stop_playback_we_started()
        self.levelChanged.emit(0.0)
        self.recordingChanged.emit(False)
        if result is None:
            self.error.emit(message)
            return None
        self.last_result = result
        self.elapsedChanged.emit(float(result.duration))
        self.finished.emit(result)
        return result

    def clear_result(self, *, sent_as: str = "") -> None:
        """Forget the last take (after it was sent as message ``sent_as``, or discarded).
        A sent take is only queued: ``send_status`` follows its delivery, so nothing says
        "sent" before the server has it."""
        self._sent_id = sent_as
        if self.last_result is not None:
            self.last_result = None
            self.resultCleared.emit()

    @property
    def sent_message_id(self) -> str:
        """The message the last take was sent with, while its delivery is open."""
        return self._sent_id

    def send_status(self, message_id: str, status: str) -> None:
        """The send flow's word on a message (``ThreadsState.sendStatus``); passed on as
        ``sentTakeStatus`` when it is the take's."""
        if not message_id or message_id != self._sent_id:
            return
        if status in ("sent", "failed"):
            self._sent_id = ""
        self.sentTakeStatus.emit(status)

    # ---- internals -------------------------------------------------------------------
    def _recorder_options(self) -> dict[str, Any]:
        s = self._settings
        if s is None:
            return {"bitrate": DEFAULT_BITRATE}
        return {
            "bitrate": int(s.mp3_bitrate) or DEFAULT_BITRATE,
            "input_device": s.input_device or None,
            "mix_input": bool(s.mix_input),
        }

    def _tick(self) -> None:
        recorder = self._recorder
        engine = self._engine
        output = engine.output_level() if engine is not None else 0.0
        # 30 Hz only while there is something to show: idle, once a second.
        busy = recorder is not None or (engine is not None and engine.is_playing)
        wanted = METER_INTERVAL_MS if busy or self._last_level else IDLE_METER_MS
        if self._timer.interval() != wanted:
            self._timer.setInterval(wanted)
        if recorder is None:
            if output or self._last_level:
                self._last_level = output
                self.levelChanged.emit(float(output))
            return
        if (engine is not None and not engine.is_playing) or recorder.complete.is_set():
            self.stop()  # the transport was stopped, or the take reached its bar line
            return
        # While recording with the input mixed in, the take is louder than the output.
        self._last_level = max(output, float(recorder.level()))
        self.levelChanged.emit(self._last_level)
        self.elapsedChanged.emit(float(recorder.elapsed()))

    def _on_failed_in_take(self, message: str) -> None:
        """The recorder hit a disk error mid-take: end the take now; ``stop`` reports it."""
        if self._recorder is not None:
            self.stop()

    def _abort(self, message: str) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            with contextlib.suppress(RecordingError, OSError):
                recorder.stop()
        self.error.emit(message)

    def _stop_playback_we_started(self) -> None:
        if self._started_playback and self._engine is not None and self._engine.is_playing:
            self._engine.stop(wait=False)
        self._started_playback = False
