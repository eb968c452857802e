"""A track's sound from the window: audio files dropped or picked for a track,
and the small popup with its pitch, decay and choke group.

Drops: an audio file on a track header gives that track the file's sound; on the empty
area under the tracks it makes a new track named after the file. A file that cannot be
used is refused in words in the status bar (``SequencerState.notice``), nothing changed.
Files are read on a worker (``state/sample_drops.py``): the window goes on meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QSpinBox,
    QWidget,
)

from desktop_app.audio.audio_files import TRACK_SUFFIXES
from desktop_app.domain.track import CHOKE_RANGE, DECAY_RANGE, PITCH_RANGE, Track
from desktop_app.services.track_samples import is_track_audio
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui.track_popup import TrackPopup

AUDIO_FILTER = "Audio files (" + " ".join(f"*{s}" for s in TRACK_SUFFIXES) + ")"


def dropped_audio(mime: QMimeData) -> Path | None:
    """The one local audio file a drag carries, else None (several files, a folder, text
    and web links are not a track's sound)."""
    if not mime.hasUrls():
        return None
    urls = [u for u in mime.urls() if u.isLocalFile()]
    if len(urls) != 1 or len(mime.urls()) != 1:
        return None
    path = Path(urls[0].toLocalFile())
    return path if is_track_audio(path) else None


def accept_audio_drag(event: QDropEvent) -> Path | None:
    """The audio file a drag carries, the drag accepted as a copy; anything else is
    ignored (None)."""
    path = dropped_audio(event.mimeData())
    if path is None:
        event.ignore()
        return None
    event.setDropAction(Qt.DropAction.CopyAction)
    event.accept()
    return path


def drop_on_track(state: SequencerState, index: int, event: QDropEvent) -> None:
    """The file becomes the track's sound once it has been read (``SampleDrops``)."""
    path = accept_audio_drag(event)
    if path is not None:
        state.drops.give_track(index, path)


def drop_new_track(state: SequencerState, event: QDropEvent) -> None:
    path = accept_audio_drag(event)
    if path is not None:
        state.drops.add_track(path)


def _ask_for_audio(parent: QWidget, title: str) -> str:
    path, _filter = QFileDialog.getOpenFileName(parent, title, "", f"{AUDIO_FILTER};;All files (*)")
    return path


def pick_new_track(state: SequencerState, parent: QWidget) -> None:
    """The "Audio file…" entry of "+ Track": a new track playing the file picked, once it
    has been read (``SampleDrops.added`` says where)."""
    path = _ask_for_audio(parent, "Audio file for a new track")
    if path:
        state.drops.add_track(path)


def pick_sample(state: SequencerState, index: int, parent: QWidget) -> None:
    """The track menu's "Sample…": the file dialog, then the same path as a drop."""
    path = _ask_for_audio(parent, "Sound for this track")
    if path:
        state.drops.give_track(index, path)


class TrackSoundPopup(TrackPopup):
    """Pitch (semitones), decay (seconds; "Full" plays the whole sound) and choke group
    ("None" or 1-16) of one track. Each control's changes while the popup is open make one
    undo step; values apply when typed (Enter) or stepped (arrows, wheel)."""

    def __init__(self, state: SequencerState, index: int, parent: QWidget | None = None) -> None:
        super().__init__(state, index, "trackSound", parent)
        self._gestures: dict[str, int] = {}
        self.pitch = QDoubleSpinBox(self)
        self.pitch.setRange(*PITCH_RANGE)
        self.pitch.setDecimals(1)
        self.pitch.setSingleStep(1.0)
        self.pitch.setSuffix(" st")
        self.pitch.setToolTip("Pitch in semitones (±24): the sound is played faster or slower")
        self.decay = QDoubleSpinBox(self)
        self.decay.setRange(0.0, DECAY_RANGE[1])
        self.decay.setDecimals(2)
        self.decay.setSingleStep(0.05)
        self.decay.setSuffix(" s")
        self.decay.setSpecialValueText("Full")
        self.decay.setToolTip("Decay: the sound is cut (with a short fade) after this long")
        self.choke = QSpinBox(self)
        self.choke.setRange(*CHOKE_RANGE)
        self.choke.setSpecialValueText("None")
        self.choke.setToolTip(
            "Choke group: a hit cuts the sounding tracks of the same group (the hats are in 1)"
        )
        for box in (self.pitch, self.decay, self.choke):
            box.setKeyboardTracking(False)
            box.setMinimumWidth(96)

        self.form.addRow("Pitch", self.pitch)
        self.form.addRow("Decay", self.decay)
        self.form.addRow("Choke", self.choke)
        self.first = self.pitch

        self.follow_the_pattern()
        self.pitch.valueChanged.connect(self._pitch_edited)
        self.decay.valueChanged.connect(self._decay_edited)
        self.choke.valueChanged.connect(lambda v: state.set_choke(self.index, int(v)))

    def show_track(self, track: Track) -> None:
        self.title.setText(f"{track.name} · {track.sound_label}")
        for box in (self.pitch, self.decay, self.choke):
            box.blockSignals(True)
        self.pitch.setValue(track.pitch)
        self.decay.setValue(track.decay or 0.0)
        self.choke.setValue(track.choke_group)
        for box in (self.pitch, self.decay, self.choke):
            box.blockSignals(False)

    def show_at(self, where: QPoint, above: int | None = None) -> None:
        self._gestures = {}  # a new opening, new undo steps
        super().show_at(where, above)

    def _gesture(self, name: str) -> int:
        if name not in self._gestures:
            self._gestures[name] = self._state.new_gesture()
        return self._gestures[name]

    def _pitch_edited(self, value: float) -> None:
        self._state.set_pitch(self.index, value, self._gesture("pitch"))

    def _decay_edited(self, value: float) -> None:
        seconds = None if value < DECAY_RANGE[0] else value
        self._state.set_decay(self.index, seconds, self._gesture("decay"))
