"""A track's volume and pan in a small popup: where the compact track header (a narrow
window) keeps the two faders it has no room for.

The faders are the header's own kind (``ValueBar``: drag, wheel, double-click to reset)
and take the keyboard too, since the popup is opened from the track's menu and is the
only place these values can be changed while the headers are compact.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from desktop_app.domain.track import Track
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui.track_popup import TrackPopup
from desktop_app.ui.value_bar import ValueBar, edit_in_gestures


def pan_text(value: float) -> str:
    if abs(value) < 0.005:
        return "C"
    side = "L" if value < 0 else "R"
    return f"{side}{round(abs(value) * 100)}"


def mix_bars(
    state: SequencerState, index: Callable[[], int], parent: QWidget
) -> tuple[ValueBar, ValueBar]:
    """A track's volume and pan faders, bound to the pattern (``index()`` is read at
    each edit: a header's track moves when one above it is removed). Both take the
    keyboard (Tab reaches them): a keyboard user had no other way to change them."""
    volume = ValueBar(0.0, 1.0, 0.8, parent=parent)
    volume.setToolTip("Volume — drag, wheel or arrow keys; double-click resets")
    pan = ValueBar(-1.0, 1.0, 0.0, bipolar=True, formatter=pan_text, parent=parent)
    pan.setToolTip("Pan — drag, wheel or arrow keys; double-click centres")
    for bar in (volume, pan):
        bar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    edit_in_gestures(volume, state.new_gesture, lambda v, g: state.set_volume(index(), v, g))
    edit_in_gestures(pan, state.new_gesture, lambda v, g: state.set_pan(index(), v, g))
    return volume, pan


class TrackMixPopup(TrackPopup):
    """Volume and pan of track ``index``; each fader's gesture (a drag, a burst of wheel
    notches or key presses) is one undo step, as on the full header."""

    def __init__(self, state: SequencerState, index: int, parent: QWidget | None = None) -> None:
        super().__init__(state, index, "trackMix", parent)
        self.volume_bar, self.pan_bar = mix_bars(state, lambda: self.index, self)
        for bar in (self.volume_bar, self.pan_bar):
            bar.setFixedWidth(150)

        self.form.addRow("Volume", self.volume_bar)
        self.form.addRow("Pan", self.pan_bar)
        self.setTabOrder(self.volume_bar, self.pan_bar)
        self.first = self.volume_bar
        self.follow_the_pattern()

    def show_track(self, track: Track) -> None:
        self.title.setText(track.name)
        self.volume_bar.set_value(track.volume)
        self.pan_bar.set_value(track.pan)
