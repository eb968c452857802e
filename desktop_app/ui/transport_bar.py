"""Play/stop, record, the take controls (metronome, take options, master volume), the
output level meter (and the input's, while input mixing is on) and the take clock
(bars.beats).

The buttons are views of the panel's actions (so Space and R work from anywhere in the
window and the main window can put the same actions in its menus); their look follows the
states' signals, not the clicks, so playback started by the recorder shows here too.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QIcon, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.elided_label import ElidedLabel
from desktop_app.ui.level_meter import LevelMeter
from desktop_app.ui.take_controls import MasterVolumeBar, TakeControls, icon_canvas
from desktop_app.ui.transport_clock import TransportClock

ICON_SIZE = 16


def painted_icon(kind: str, color: str, size: int = ICON_SIZE) -> QIcon:
    """Transport glyphs drawn with QPainter: crisp at any scale, no icon theme needed."""
    pixmap, painter = icon_canvas(size)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    s = float(size)
    if kind == "play":
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(s * 0.24, s * 0.14),
                    QPointF(s * 0.86, s * 0.5),
                    QPointF(s * 0.24, s * 0.86),
                ]
            )
        )
    elif kind == "stop":
        painter.drawRoundedRect(QRectF(s * 0.2, s * 0.2, s * 0.6, s * 0.6), 1.5, 1.5)
    elif kind == "record":
        painter.drawEllipse(QRectF(s * 0.18, s * 0.18, s * 0.64, s * 0.64))
    painter.end()
    return QIcon(pixmap)


POSITION_REFRESH_MS = 100  # the clock's tenths of a second


def format_elapsed(seconds: float) -> str:
    seconds = max(0.0, seconds)
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


_SHEET = f"""
QToolButton#transport {{
    background: {theme.BG_RAISED}; border: 1px solid {theme.BORDER}; border-radius: 6px;
    padding: 0;
}}
QToolButton#transport:hover {{ background: {theme.BG_HOVER}; border-color: {theme.BORDER_STRONG}; }}
QToolButton#transport[active="true"] {{ border-color: {theme.PLAYHEAD}; }}
QToolButton#record[active="true"] {{ background: #3a1414; border-color: {theme.RECORD}; }}
QToolButton#record {{
    background: {theme.BG_RAISED}; border: 1px solid {theme.BORDER}; border-radius: 6px;
}}
QToolButton#record:hover {{ background: {theme.BG_HOVER}; }}
QLabel#clock {{ color: {theme.TEXT}; font-size: 17px; }}
QLabel#clock[recording="true"] {{ color: {theme.RECORD}; }}
QLabel#status {{ color: {theme.TEXT_DIM}; font-size: 11px; }}
QLabel#status[error="true"] {{ color: {theme.ERROR}; }}
"""


# What the status line says about the take last sent, by its delivery status.
_SENT_TAKE_TEXT = {
    "queued": ("Take queued · sending…", False),
    "waiting": ("Take queued — will send when online", False),
    "held": ("Take queued — the server asked to wait", False),
    "sent": ("Take sent · ready to record", False),
    "failed": ("Take not sent — Retry on its message", True),
}


# What the status says of recording and sending (errors may be longer: they end in "…",
# whole in the tooltip): the top row keeps room for the longest on two lines.
STATUS_TEXTS = (
    "Ready to record",
    "Take ready to send · 320 kbps MP3, 88.8 MB",
    "Ending at the bar line… (R again: now)",
    "Count-in: 2 bars…",
    "Recording 128 bars…",
    *(text for text, _error in _SENT_TAKE_TEXT.values()),
)
CLOCK_GAP = 10
MIN_CLOCK_WIDTH = 64  # "0:00.0" at a legible size


class TransportBar(QWidget):
    """Transport controls bound to the sequencer and recording states."""

    def __init__(
        self,
        sequencer_state: SequencerState,
        recording_state: RecordingState,
        play_action: QAction,
        record_action: QAction,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._seq = sequencer_state
        self._rec = recording_state
        self.setStyleSheet(_SHEET)
        self._icons = {
            "play": painted_icon("play", theme.TEXT),
            "stop": painted_icon("stop", theme.PLAYHEAD),
            "record": painted_icon("record", theme.RECORD),
            "recording": painted_icon("stop", theme.RECORD),
        }

        self.play_button = QToolButton(self)
        self.play_button.setObjectName("transport")
        self.play_button.setDefaultAction(play_action)
        self.play_button.setFixedSize(QSize(44, 36))
        self.play_button.setIconSize(QSize(18, 18))

        self.record_button = QToolButton(self)
        self.record_button.setObjectName("record")
        self.record_button.setDefaultAction(record_action)
        self.record_button.setFixedSize(QSize(44, 36))
        self.record_button.setIconSize(QSize(18, 18))

        self.take_controls = TakeControls(recording_state.options, self)
        self.master_volume = MasterVolumeBar(recording_state.options, self)
        self.meter = LevelMeter(self)
        self.meter.setToolTip("Output level: what you hear")
        self.input_meter = LevelMeter(self)
        self.input_meter.setFixedHeight(6)
        self.input_meter.setToolTip("Input level: what input mixing adds to a take")
        self.input_meter.setVisible(recording_state.input_metering)
        self.clock = TransportClock(format_elapsed(0.0), self)
        self.clock.setObjectName("clock")
        self.clock.setFont(theme.mono_font())
        self.clock.setToolTip(
            "Where playback is, or the take's length: bars.beats · minutes:seconds"
        )
        # Playing without recording, the clock shows the position (as Hydrogen and LMMS
        # do); stopped, it shows the take's length, or 0:00.0 without a take.
        self._resting_text = format_elapsed(0.0)
        self._position_timer = QTimer(self)
        self._position_timer.setInterval(POSITION_REFRESH_MS)
        self._position_timer.timeout.connect(self._show_position)
        # two lines: "Take ready to send · 320 kbps MP3, 0.1 MB" reads whole in 136 px
        self.status = ElidedLabel("Ready to record", self, lines=2)
        self.status.setObjectName("status")

        meters = QVBoxLayout()
        meters.setSpacing(3)
        meters.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.setSpacing(CLOCK_GAP)
        top.addWidget(self.clock)
        top.addWidget(self.status, 1)
        meters.addLayout(top)
        levels = QVBoxLayout()  # output over input, beside the master volume
        levels.setSpacing(3)
        levels.setContentsMargins(0, 0, 0, 0)
        levels.addStretch(1)
        levels.addWidget(self.meter)
        levels.addWidget(self.input_meter)
        levels.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addLayout(levels, 1)
        bottom.addWidget(self.master_volume)
        meters.addLayout(bottom)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.play_button)
        layout.addWidget(self.record_button)
        layout.addWidget(self.take_controls)
        layout.addSpacing(8)
        layout.addLayout(meters, 1)
        self.setMaximumWidth(640)

        sequencer_state.playingChanged.connect(self._on_playing)
        recording_state.recordingChanged.connect(self._on_recording)
        recording_state.levelChanged.connect(self.meter.set_level)
        recording_state.inputLevelChanged.connect(self.input_meter.set_level)
        recording_state.inputMeteringChanged.connect(self.input_meter.setVisible)
        recording_state.countingIn.connect(self._on_counting_in)
        recording_state.takeEnding.connect(
            lambda: self._show_status("Ending at the bar line… (R again: now)", error=False)
        )
        recording_state.elapsedChanged.connect(self._on_elapsed)
        recording_state.finished.connect(self._on_finished)
        recording_state.resultCleared.connect(self._on_cleared)
        recording_state.sentTakeStatus.connect(self._on_sent_take)
        recording_state.error.connect(self._on_error)
        self._play_action = play_action
        self._record_action = record_action
        self._on_playing(sequencer_state.is_playing)
        self._on_recording(recording_state.is_recording)

    def sizeHint(self) -> QSize:
        return QSize(400, 44)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._share_top_row()

    def _share_top_row(self) -> None:
        """The clock gets a fixed width: its widest usual text at full size where the
        row has room for that and the status's longest own words on two lines; less
        (and a smaller font) where it has not — the status's words stay whole."""
        row = self.width() - self.clock.x()  # the clock and the status, side by side
        status_needs = max(self.status.whole_width(text) for text in STATUS_TEXTS)
        room = min(self.clock.natural_width(), row - CLOCK_GAP - status_needs)
        self.clock.set_room(max(MIN_CLOCK_WIDTH, room))

    def _set_prop(self, widget: QWidget, name: str, value: bool) -> None:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def _on_playing(self, playing: bool) -> None:
        action = self._play_action
        action.setIcon(self._icons["stop" if playing else "play"])
        action.setText("Stop" if playing else "Play")
        action.setToolTip(f"{'Stop' if playing else 'Play'} (Space)")
        action.setChecked(playing)
        self._set_prop(self.play_button, "active", playing)
        if playing:
            self._position_timer.start()
            self._show_position()
        else:
            self._position_timer.stop()
            if not self._rec.is_recording:
                self.clock.setText(self._resting_text)

    def _show_position(self) -> None:
        position = self._seq.play_position()
        if position is not None and not self._rec.is_recording:  # a take shows its own
            self.clock.setText(f"{position[0]} · {format_elapsed(position[1])}")

    def _on_recording(self, recording: bool) -> None:
        action = self._record_action
        action.setIcon(self._icons["recording" if recording else "record"])
        action.setText("Stop recording" if recording else "Record")
        action.setToolTip(("Stop recording" if recording else "Record what plays") + " (R)")
        action.setChecked(recording)
        self._set_prop(self.record_button, "active", recording)
        self._set_prop(self.clock, "recording", recording)
        if recording:
            self._show_status(self._recording_text(), error=False)
        else:  # the take's length alone (bars.beats is where a take is, while it runs)
            self.clock.setText(self.clock.text().rpartition(" · ")[2])

    def _on_counting_in(self, counting: bool) -> None:
        if counting:
            bars = self._rec.take_count_in_bars
            self._show_status(f"Count-in: {'1 bar' if bars == 1 else f'{bars} bars'}…", error=False)
        elif self._rec.is_recording:
            self._show_status(self._recording_text(), error=False)

    def _recording_text(self) -> str:
        bars = self._rec.take_bars
        return f"Recording {'1 bar' if bars == 1 else f'{bars} bars'}…" if bars else "Recording…"

    def _on_elapsed(self, seconds: float) -> None:
        if self._rec.is_recording:  # bars.beats first: where in the music the take is
            self.clock.setText(f"{self._rec.take_clock()} · {format_elapsed(seconds)}")
        else:
            self.clock.setText(format_elapsed(seconds))

    def _on_finished(self, result: object) -> None:
        duration = float(getattr(result, "duration", 0.0))
        bitrate = getattr(result, "bitrate", None)
        size = getattr(result, "size_bytes", 0) or 0
        details = f"{bitrate} kbps MP3, {size / 1_000_000:.1f} MB" if bitrate else "MP3"
        self._resting_text = format_elapsed(duration)
        self.clock.setText(self._resting_text)
        self._show_status(f"Take ready to send · {details}", error=False)

    def _on_cleared(self) -> None:
        self._resting_text = format_elapsed(0.0)
        self.clock.setText(self._resting_text)
        if self._rec.sent_message_id:
            self._on_sent_take("queued")
        else:
            self._show_status("Ready to record", error=False)

    def _on_sent_take(self, status: str) -> None:
        """The take is only "sent" once the server has it; until then it is queued."""
        text, error = _SENT_TAKE_TEXT.get(status, _SENT_TAKE_TEXT["queued"])
        self._show_status(text, error=error)

    def _on_error(self, message: str) -> None:
        self._show_status(message, error=True)

    def _show_status(self, text: str, *, error: bool) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
        self._set_prop(self.status, "error", error)
