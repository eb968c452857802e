"""Recording what the engine plays, as a QObject the transport binds to.

The ``Recorder`` (audio layer) taps the engine's output blocks and encodes the MP3 while
recording, so stopping gives a ready file: ``finished(RecordingResult)`` and
``last_result`` are what the send flow uploads (the seed's ``convertedMp3Path``).

A take follows the transport: recording starts playback if it was stopped (and stops it
again at the end), and stopping playback while recording ends the take, since nothing more
would be heard. ``options`` (``TakeOptions``) say how a take started by ``toggle`` goes:
after a count-in, for N bars, ending on a bar line. Failures never raise into the UI; they
arrive as one ``error(str)`` sentence the window can show.

The output meter is fed whenever something plays; with input mixing on, the input is
opened for its own meter between takes too (a musician sets the microphone's level before
recording, not during) and the same input is handed to the take.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.audio.audio_input import InputTap, InputUnavailable
from desktop_app.audio.recorder import (
    InputRecordingError,
    Recorder,
    RecordingError,
    RecordingResult,
)
from desktop_app.audio.timing import bar_frames, bars_beats, next_bar_line
from desktop_app.state.take_options import TakeOptions

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine
    from desktop_app.settings import Settings

log = logging.getLogger(__name__)

METER_INTERVAL_MS = 33  # ~30 Hz meter and clock, while something plays
# Idle, only to notice that the engine started playing when nobody says so: the app
# connects ``transport_changed`` to the sequencer's playingChanged, which is at once.
IDLE_METER_MS = 1000
DEFAULT_BITRATE = 320


class MeteredInput(Protocol):
    """An input the recorder mixes in and the input meter reads (``InputTap``)."""

    def take(self, n: int) -> Any: ...

    def level(self) -> float: ...

    def discard(self) -> None: ...

    def close(self) -> None: ...


def open_input_tap(device: str | None, sample_rate: int) -> MeteredInput:
    """The input device as a tap; raises ``InputUnavailable`` saying why it cannot."""
    tap = InputTap(sample_rate)
    tap.open(device)
    return tap


InputOpener = Callable[[str | None, int], MeteredInput]


class RecordingState(QObject):
    """Start/stop a take, publish its level and elapsed time, keep the last result."""

    recordingChanged = Signal(bool)
    levelChanged = Signal(float)  # 0..1 peak of the output (and of the take while recording)
    inputLevelChanged = Signal(float)  # 0..1 peak of the input, while input mixing is on
    inputMeteringChanged = Signal(bool)  # the input is open for its meter (mixing is on)
    countingIn = Signal(bool)  # a take's count-in is playing
    takeEnding = Signal()  # the take ends at the next bar line ("stop at the end of the bar")
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
        *,
        options: TakeOptions | None = None,
        open_input: InputOpener = open_input_tap,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._dir = Path(recordings_dir)
        self._settings = settings
        self.options = options if options is not None else TakeOptions(engine, settings, self)
        self._open_input = open_input
        self._input: MeteredInput | None = None
        self._ending = False
        self._counting_in = False
        self._take_bars = 0  # the take in progress: its length in bars (0: until stopped)
        self._take_count_in = 0  # and the bars of its count-in
        self._input_changed = False  # the input device changed during a take
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
            if settings is not None:
                settings.changed.connect(self._on_setting_changed)
                self._follow_input_setting()

    @property
    def is_recording(self) -> bool:
        return self._recorder is not None

    @property
    def recordings_dir(self) -> Path:
        return self._dir

    @property
    def input_metering(self) -> bool:
        """The input is open for its meter (input mixing is on and the device opened)."""
        return self._input is not None

    @property
    def take_bars(self) -> int:
        """The take in progress ends by itself after this many bars (0: when stopped)."""
        return self._take_bars if self.is_recording else 0

    @property
    def take_count_in_bars(self) -> int:
        """Bars of count-in before the take in progress (0 when it had none)."""
        return self._take_count_in if self.is_recording else 0

    @property
    def ending(self) -> bool:
        """The take ends by itself at the next bar line."""
        return self._ending

    def transport_changed(self, playing: bool) -> None:
        """The engine started (the meter goes to 30 Hz now) or stopped playing."""
        if playing and self._engine is not None:
            self._timer.start(METER_INTERVAL_MS)

    def toggle(self) -> None:
        """The record button: start a take as the options say (count-in, N bars), or end
        it - on the next bar line with "stop at the end of the bar", at once when asked
        again while it waits for the bar line."""
        if self.is_recording:
            if self.options.stop_at_bar_end and not self._ending:
                self.stop_at_bar_end()
            else:
                self.stop()
        else:
            bars = self.options.record_bars
            self.start(bars=bars or None, count_in_bars=self.options.count_in_bars)

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
        except InputRecordingError as exc:
            log.warning("could not start recording: %s", exc)
            self.error.emit(f"Could not start recording: {_input_problem(str(exc))}")
            return
        except (RecordingError, OSError) as exc:
            log.warning("could not start recording: %s", exc)
            self.error.emit(f"Could not start recording: {exc}")
            return
        self._recorder = recorder
        self._started_playback = False
        self._ending = bool(bars)
        self._take_bars, self._take_count_in = bars or 0, 0
        if not engine.is_playing:
            try:
                engine.start(count_in_bars=count_in_bars)
            except Exception as exc:  # a device error must not leave a take running
                log.exception("playback did not start for recording")
                self._abort(f"Could not start playback for recording: {exc}")
                return
            self._started_playback = True
            self._take_count_in = count_in_bars
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
        if not self._ending:
            self._ending = True
            self.takeEnding.emit()

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
        self._ending = False
        self._set_counting_in(False)
        try:
            result = recorder.stop()
        except (RecordingError, OSError) as exc:
            log.warning("recording failed: %s", exc)
            result = None
            message = str(exc)
        self._stop_playback_we_started()
        if self._input_changed:  # a device chosen during the take: the meter follows now
            self._input_changed = False
            self._follow_input_setting(reopen=True)
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
        options: dict[str, Any] = {"bitrate": int(s.mp3_bitrate) or DEFAULT_BITRATE}
        if self._input is not None:  # the metered input: the take mixes what the meter shows
            self._input.discard()
            options["input_source"] = self._input
        else:
            options["input_device"] = s.input_device or None
            options["mix_input"] = bool(s.mix_input)
        return options

    def _on_setting_changed(self, name: str) -> None:
        if name in ("mix_input", "input_device"):
            if name == "input_device" and self._recorder is not None:
                self._input_changed = True
            self._follow_input_setting(reopen=name == "input_device")

    def _follow_input_setting(self, *, reopen: bool = False) -> None:
        """Open the input for its meter while mixing is on, close it when it goes off.
        A take in progress keeps the input it started with."""
        s, engine = self._settings, self._engine
        wanted = bool(s is not None and s.mix_input and engine is not None)
        if self._input is not None and (not wanted or reopen) and self._recorder is None:
            self._input.close()
            self._input = None
            self.inputLevelChanged.emit(0.0)
            self.inputMeteringChanged.emit(False)
        if wanted and self._input is None and s is not None and engine is not None:
            try:
                self._input = self._open_input(s.input_device or None, engine.sample_rate)
            except InputUnavailable as exc:
                log.warning("input meter: %s", exc)
                self.error.emit(_upper_first(_input_problem(str(exc))))
                return
            self._timer.start(METER_INTERVAL_MS)  # the input meter moves at 30 Hz
            self.inputMeteringChanged.emit(True)

    def close_input(self) -> None:
        """Close the metered input (at quit)."""
        if self._input is not None and self._recorder is None:
            self._input.close()
            self._input = None
            self.inputMeteringChanged.emit(False)

    def _set_counting_in(self, on: bool) -> None:
        if on != self._counting_in:
            self._counting_in = on
            self.countingIn.emit(on)

    def _tick(self) -> None:
        recorder = self._recorder
        engine = self._engine
        output = engine.output_level() if engine is not None else 0.0
        if self._input is not None:
            self.inputLevelChanged.emit(float(self._input.level()))
        # 30 Hz only while there is something to show (a take, the input meter, playback):
        # idle, once a second.
        busy = (
            recorder is not None
            or self._input is not None
            or (engine is not None and engine.is_playing)
        )
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
        self._set_counting_in(bool(engine is not None and engine.counting_in))
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


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _input_problem(why: str) -> str:
    """Why the input did not open, and the way out: without an input a take cannot mix
    one, and the setting that asks for it is not where the musician is looking."""
    return (
        f"input mixing is on, but {_lower_first(why)}. Turn off “Mix the input into "
        "recordings” in Settings to record without it."
    )
