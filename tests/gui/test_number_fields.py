"""The tempo, swing and length fields as a musician types into them: a number past the
field's maximum becomes the maximum (Qt dropped the last digit: "400" gave 40 BPM), and R
records from a field as Space plays from it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.domain.pattern import BPM_RANGE, LENGTH_RANGE, SWING_RANGE
from desktop_app.ui import theme
from desktop_app.ui.sequencer_panel import SequencerPanel
from tests.gui.journeys import click_painted
from tests.gui.pixels import grab, mask_of
from tests.gui.shown_panel import shown_panel


@pytest.fixture
def engine(clock_engine):
    return clock_engine(1.0)


@pytest.fixture
def panel(qtbot, states):
    return shown_panel(qtbot, states, 1100, 480, active=True)


def _click_tempo(qtbot, panel: SequencerPanel) -> QWidget:
    """Click the tempo's digits (painted in the bright accent) and select what they say;
    the field that then has the keyboard focus."""
    controls = panel.pattern_controls
    ys, xs = np.nonzero(mask_of(grab(controls), theme.ACCENT_BRIGHT))
    assert len(xs) > 20, "no tempo digits painted"
    click_painted(qtbot, controls, QPoint((int(xs.min()) + int(xs.max())) // 2, int(ys.mean())))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    field = QApplication.focusWidget()
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    return field


def _type_and_enter(field: QWidget, text: str) -> None:
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


def test_a_number_past_the_maximum_becomes_the_maximum(qtbot, panel) -> None:
    pattern = lambda: panel._seq.pattern  # noqa: E731
    tempo = _click_tempo(qtbot, panel)
    _type_and_enter(tempo, "400")
    assert pattern().bpm == BPM_RANGE[1]

    QTest.keyClick(tempo, Qt.Key.Key_Tab)  # to Swing
    swing = QApplication.focusWidget()
    _type_and_enter(swing, "150")
    assert pattern().swing == pytest.approx(SWING_RANGE[1])

    QTest.keyClick(swing, Qt.Key.Key_Tab)  # to Steps
    steps = QApplication.focusWidget()
    _type_and_enter(steps, "100")
    assert pattern().length == LENGTH_RANGE[1]

    _type_and_enter(steps, "12")  # numbers in range are taken as typed
    assert pattern().length == 12
    _type_and_enter(tempo, "96")
    assert pattern().bpm == 96.0


def test_r_records_from_a_number_field(qtbot, panel) -> None:
    """Type a tempo, Enter, R: the take starts, as Space plays from there."""
    rec = panel._rec
    tempo = _click_tempo(qtbot, panel)
    _type_and_enter(tempo, "96")
    with qtbot.waitSignal(rec.recordingChanged, timeout=3000) as started:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_R)
    assert started.args == [True]
    assert panel._seq.pattern.bpm == 96.0
    with qtbot.waitSignal(rec.recordingChanged, timeout=3000):
        panel.record_action.trigger()


def test_a_shorter_length_keeps_the_hits_it_cut_for_a_longer_one(qtbot, panel) -> None:
    """Steps 12, Enter, Steps 16, Enter: the fourth beat came back empty. It comes back
    as it was (Hydrogen keeps the notes past a pattern's end); each change is one Undo."""
    seq = panel._seq
    before = [list(t.steps) for t in seq.pattern.tracks]
    assert any(steps[12:] != [0, 0, 0, 0] for steps in before), "the demo has no 4th beat"
    tempo = _click_tempo(qtbot, panel)
    QTest.keyClick(tempo, Qt.Key.Key_Tab)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # to Steps
    steps = QApplication.focusWidget()
    _type_and_enter(steps, "12")
    assert seq.pattern.length == 12
    _type_and_enter(steps, "16")
    assert [list(t.steps) for t in seq.pattern.tracks] == before
    _type_and_enter(steps, "8")
    _type_and_enter(steps, "10")  # part of it, then the rest
    assert [list(t.steps) for t in seq.pattern.tracks] == [s[:10] for s in before]
    _type_and_enter(steps, "16")
    assert [list(t.steps) for t in seq.pattern.tracks] == before
    seq.undo_stack.undo()
    assert seq.pattern.length == 10
