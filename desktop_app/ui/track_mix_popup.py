"""A track's volume and pan in a small popup: where the compact track header (a narrow
window) keeps the two faders it has no room for.

The faders are the header's own kind (``ValueBar``: drag, wheel, double-click to reset)
and take the keyboard too, since the popup is opened from the track's menu and is the
only place these values can be changed while the headers are compact.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QWidget

from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.value_bar import ValueBar

_SHEET = f"""
QFrame#trackMix {{ background: {theme.BG_RAISED}; border: 1px solid {theme.BORDER_STRONG};
    border-radius: 4px; }}
QLabel {{ color: {theme.TEXT_DIM}; }}
QLabel#title {{ color: {theme.TEXT}; font-weight: bold; }}
"""


def pan_text(value: float) -> str:
    if abs(value) < 0.005:
        return "C"
    side = "L" if value < 0 else "R"
    return f"{side}{round(abs(value) * 100)}"


class TrackMixPopup(QFrame):
    """Volume and pan of track ``index``; each fader's gesture (a drag, a burst of wheel
    notches or key presses) is one undo step, as on the full header."""

    def __init__(self, state: SequencerState, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("trackMix")
        self.setStyleSheet(_SHEET)
        self._state = state
        self.index = index
        self._volume_gesture: int | None = None
        self._pan_gesture: int | None = None

        self.title = QLabel(self)
        self.title.setObjectName("title")
        self.volume_bar = ValueBar(0.0, 1.0, 0.8, parent=self)
        self.volume_bar.setToolTip("Volume — drag, wheel or arrow keys; double-click resets")
        self.pan_bar = ValueBar(-1.0, 1.0, 0.0, bipolar=True, formatter=pan_text, parent=self)
        self.pan_bar.setToolTip("Pan — drag, wheel or arrow keys; double-click centres")
        for bar in (self.volume_bar, self.pan_bar):
            bar.setFixedWidth(150)
            bar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.volume_bar.editStarted.connect(self._begin_volume)
        self.volume_bar.editFinished.connect(self._end_volume)
        self.volume_bar.valueEdited.connect(
            lambda v: state.set_volume(self.index, v, self._volume_gesture)
        )
        self.pan_bar.editStarted.connect(self._begin_pan)
        self.pan_bar.editFinished.connect(self._end_pan)
        self.pan_bar.valueEdited.connect(lambda v: state.set_pan(self.index, v, self._pan_gesture))

        form = QFormLayout(self)
        form.setContentsMargins(10, 8, 10, 10)
        form.setSpacing(6)
        form.addRow(self.title)
        form.addRow("Volume", self.volume_bar)
        form.addRow("Pan", self.pan_bar)
        self.setTabOrder(self.volume_bar, self.pan_bar)
        self.refresh()
        state.patternChanged.connect(self.refresh)

    def refresh(self) -> None:
        tracks = self._state.pattern.tracks
        if self.index >= len(tracks):
            self.close()
            return
        track = tracks[self.index]
        self.title.setText(track.name)
        self.volume_bar.set_value(track.volume)
        self.pan_bar.set_value(track.pan)

    def show_at(self, where: QPoint, above: int | None = None) -> None:
        """At ``where`` (global), or ending at ``above`` when it would not fit under it."""
        self.refresh()
        self.ensurePolished()
        self.adjustSize()
        x, y = where.x(), where.y()
        screen = QGuiApplication.screenAt(where) or self.screen()
        if screen is not None:
            room = screen.availableGeometry()
            if y + self.height() > room.bottom() + 1:
                y = (above if above is not None else room.bottom() + 1) - self.height()
            x = max(room.left(), min(x, room.right() + 1 - self.width()))
            y = max(room.top(), y)
        self.move(QPoint(x, y))
        self.show()
        self.volume_bar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _begin_volume(self) -> None:
        self._volume_gesture = self._state.new_gesture()

    def _end_volume(self) -> None:
        self._volume_gesture = None

    def _begin_pan(self) -> None:
        self._pan_gesture = self._state.new_gesture()

    def _end_pan(self) -> None:
        self._pan_gesture = None
