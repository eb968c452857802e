"""Tempo, swing, length and grid resolution of the pattern.

Spin-box arrows and wheel notches in quick succession merge into one undo step
(``TimedGesture``), so nudging the tempo from 120 to 128 is one Ctrl+Z, not eight.

A number field keeps the focus after Enter, and Qt gives Ctrl+Z to a focused field for
its own text undo, so "type 140, Enter, Ctrl+Z" undid nothing a musician could see.
Once the field shows its committed value, Undo and Redo go to the pattern's history;
while digits are being typed they stay the field's.

Space is the transport key, as in Hydrogen and LMMS, also while a number field has the
focus: a number has no spaces, and Qt typed one into the field (blanking it: "118 " is no
number) instead of playing. Digits typed and not yet entered are taken first, so
"118, Space" plays at 118. R (record) likewise: no number holds an R, and the field
swallowed it.

A number typed past a field's maximum is taken as the maximum, as Hydrogen and LMMS clamp a
tempo. Qt's own fields refused the last digit without a sign, so "400" played at 40 BPM.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.pattern import (
    BPM_RANGE,
    LENGTH_RANGE,
    STEPS_PER_BEAT_CHOICES,
    SWING_RANGE,
)
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.value_bar import TimedGesture

_SHEET = f"""
QLabel#caption {{ color: {theme.TEXT_FAINT}; font-size: 9px; font-weight: bold;
    letter-spacing: 1px; }}
QAbstractSpinBox, QComboBox {{
    background: {theme.BG_DEEP}; color: {theme.TEXT}; border: 1px solid {theme.BORDER};
    border-radius: 4px; padding: 2px 4px; min-height: 20px;
    selection-background-color: {theme.ACCENT}; selection-color: #1a1208;
}}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 0; border: none; }}
QAbstractSpinBox:focus, QComboBox:focus {{ border-color: {theme.ACCENT}; }}
QDoubleSpinBox#bpm {{ color: {theme.ACCENT_BRIGHT}; font-weight: bold; font-size: 15px; }}
QComboBox QAbstractItemView {{ background: {theme.BG_RAISED}; color: {theme.TEXT};
    selection-background-color: {theme.ACCENT}; selection-color: #1a1208; }}
"""


def grid_label(steps_per_beat: int) -> str:
    """Steps per beat as the note value musicians say: 4 → "1/16", 3 → "1/12 (triplets)"."""
    note = 4 * steps_per_beat
    return f"1/{note}" + (" triplets" if steps_per_beat % 3 == 0 else "")


_HISTORY_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)


def _shows_committed_value(box: QSpinBox | QDoubleSpinBox) -> bool:
    """Whether the field's text is its value (nothing typed and not yet entered)."""
    return box.valueFromText(box.cleanText()) == box.value()


_TRANSPORT_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_R)


def _is_transport_key(event: QKeyEvent) -> bool:
    """Space (play/stop) or R (record), pressed without Ctrl, Alt or Shift."""
    plain = event.modifiers() in (
        Qt.KeyboardModifier.NoModifier,
        Qt.KeyboardModifier.KeypadModifier,
    )
    return plain and event.key() in _TRANSPORT_KEYS


def _beyond_maximum(box: QSpinBox | QDoubleSpinBox, text: str) -> bool:
    """Whether ``text`` (as the field shows it) is a number above the field's maximum."""
    number = text.removeprefix(box.prefix()).removesuffix(box.suffix()).strip()
    try:
        return float(number.replace(box.locale().decimalPoint(), ".")) > box.maximum()
    except ValueError:
        return False


class _ClampsToMaximum:
    """For a number field (mixed in before QSpinBox or QDoubleSpinBox): a number typed
    past the maximum is accepted while typing and becomes the maximum when entered."""

    def validate(self, text: str, pos: int, /) -> tuple[QValidator.State, str, int]:
        box = cast("QSpinBox | QDoubleSpinBox", self)
        if _beyond_maximum(box, text):
            return QValidator.State.Intermediate, text, pos
        return cast(tuple[QValidator.State, str, int], super().validate(text, pos))  # type: ignore[misc]

    def fixup(self, text: str, /) -> str:
        box = cast("QSpinBox | QDoubleSpinBox", self)
        if _beyond_maximum(box, text):
            return box.textFromValue(box.maximum())  # type: ignore[arg-type]
        return cast(str, super().fixup(text))  # type: ignore[misc]


class _ClampedDoubleBox(_ClampsToMaximum, QDoubleSpinBox):
    pass


class _ClampedBox(_ClampsToMaximum, QSpinBox):
    pass


class _HistoryKeysToPattern(QObject):
    """Lets Undo/Redo through to the window's actions when a number field is not being
    edited, and Space and R to the transport always (see the module docstring)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or not isinstance(watched, QSpinBox | QDoubleSpinBox):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            if _is_transport_key(event):
                watched.interpretText()  # typed digits count before the transport moves
                event.ignore()  # not overridden: the shortcut (Play/Stop) fires
                return True
            if any(event.matches(key) for key in _HISTORY_KEYS) and _shows_committed_value(watched):
                event.ignore()  # not overridden: the shortcut (the Undo action) fires
                return True
        # With no shortcut to take it (Play disabled), a space still never enters a number.
        return event.type() == QEvent.Type.KeyPress and _is_transport_key(event)


class PatternControls(QWidget):
    """BPM, swing, length and grid, bound to ``state``; updates from the state never echo
    back as edits (signals are blocked while the widgets are refreshed)."""

    def __init__(self, state: SequencerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.setStyleSheet(_SHEET)
        self._bpm_gesture = TimedGesture(state.new_gesture)
        self._swing_gesture = TimedGesture(state.new_gesture)

        self.bpm = _ClampedDoubleBox(self)
        self.bpm.setObjectName("bpm")
        self.bpm.setRange(*BPM_RANGE)
        self.bpm.setDecimals(1)
        self.bpm.setSingleStep(1.0)
        self.bpm.setKeyboardTracking(False)
        self.bpm.setFont(theme.mono_font())
        self.bpm.setToolTip("Tempo in beats per minute — type, or scroll / arrow keys to nudge")
        self.bpm.setFixedWidth(72)
        self.bpm.valueChanged.connect(lambda v: state.set_bpm(v, self._bpm_gesture.token()))

        self.swing = _ClampedBox(self)
        self.swing.setRange(round(SWING_RANGE[0] * 100), round(SWING_RANGE[1] * 100))
        self.swing.setSuffix(" %")
        self.swing.setKeyboardTracking(False)
        self.swing.setToolTip("Swing: delays every second step by this share of a step")
        self.swing.setFixedWidth(56)
        self.swing.valueChanged.connect(
            lambda v: state.set_swing(v / 100.0, self._swing_gesture.token())
        )

        self.length = _ClampedBox(self)
        self.length.setRange(*LENGTH_RANGE)
        self.length.setKeyboardTracking(False)
        self.length.setToolTip("Pattern length in steps (1-64)")
        self.length.setFixedWidth(48)
        self.length.valueChanged.connect(state.set_length)

        self.grid = QComboBox(self)
        for spb in STEPS_PER_BEAT_CHOICES:
            self.grid.addItem(grid_label(spb), spb)
        self.grid.setToolTip("Steps per beat")
        self.grid.setFixedWidth(108)
        self.grid.currentIndexChanged.connect(
            lambda i: state.set_steps_per_beat(self.grid.itemData(i))
        )

        self._history_keys = _HistoryKeysToPattern(self)
        for box in (self.bpm, self.swing, self.length):
            box.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.installEventFilter(self._history_keys)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        for caption, widget in (
            ("BPM", self.bpm),
            ("SWING", self.swing),
            ("STEPS", self.length),
            ("GRID", self.grid),
        ):
            layout.addLayout(self._captioned(caption, widget))

        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        state.patternChanged.connect(self.refresh)
        self.refresh()

    def _captioned(self, caption: str, widget: QWidget) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(1)
        box.setContentsMargins(0, 0, 0, 0)
        label = QLabel(caption, self)
        label.setObjectName("caption")
        box.addWidget(label)
        box.addWidget(widget)
        return box

    def refresh(self) -> None:
        p = self._state.pattern
        widgets = (self.bpm, self.swing, self.length, self.grid)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.bpm.setValue(p.bpm)
            self.swing.setValue(round(p.swing * 100))
            self.length.setValue(p.length)
            index = self.grid.findData(p.steps_per_beat)
            if index < 0:  # a loaded pattern with an unusual resolution
                self.grid.addItem(grid_label(p.steps_per_beat), p.steps_per_beat)
                index = self.grid.count() - 1
            self.grid.setCurrentIndex(index)
        finally:
            for w in widgets:
                w.blockSignals(False)
