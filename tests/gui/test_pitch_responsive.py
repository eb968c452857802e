"""Pitching a long own sample far down keeps the window responsive: the popup's
pitch box is typed into as a musician would, and a timer on the GUI thread keeps ticking
while the sound preparer shapes two minutes of audio; the shaped sound is then ready for
the engine without the window having waited for it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from desktop_app.audio.engine import Engine
from desktop_app.domain.pattern import Pattern
from desktop_app.domain.track import Track
from desktop_app.services.samples import SampleCache
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui.sequencer_panel import SequencerPanel

SR = 44100
# The window may miss a few 10 ms ticks on a loaded machine, never a second's worth:
# shaping this sample on the GUI thread takes over a second here.
LONGEST_GAP = 0.4


@pytest.fixture
def seq(sample_engine: Engine, sample_cache: SampleCache) -> SequencerState:
    pattern = Pattern(bpm=120, tracks=[Track("Pad", "kick", [127, 0, 0, 0] * 4, volume=1.0)])
    return SequencerState(sample_engine, pattern=pattern, samples=sample_cache)


def test_pitching_a_30_s_sample_two_octaves_down_never_freezes_the_window(
    qtbot, seq: SequencerState, sample_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "long pad.wav"
    t = np.arange(int(29.9 * SR)) / SR
    pad = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    soundfile.write(path, np.stack([pad, pad[::-1]], axis=1), SR, subtype="FLOAT")
    sample = seq.set_track_sample(0, path)
    assert sample_engine.preparer.wait(30)
    panel = SequencerPanel(seq, RecordingState(sample_engine, tmp_path / "takes"))
    qtbot.addWidget(panel)
    panel.resize(1000, 400)
    panel.show()
    qtbot.waitExposed(panel)
    popup = panel.headers.headers[0].open_sound_popup()
    qtbot.waitExposed(popup)
    sample_engine.start()

    ticks: list[float] = [time.monotonic()]
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    popup.pitch.lineEdit().selectAll()
    QTest.keyClicks(popup.pitch.lineEdit(), "-24")  # -2, then -24: each is an edit
    QTest.keyClick(popup.pitch.lineEdit(), Qt.Key.Key_Return)
    assert seq.pattern.tracks[0].pitch == -24.0
    qtbot.waitUntil(
        lambda: sample_engine.bank.ready(sample.sha256, -24.0, None) is not None, timeout=30000
    )
    timer.stop()
    ticks.append(time.monotonic())

    gaps = np.diff(ticks)
    assert gaps.max() < LONGEST_GAP, f"the window stood still for {gaps.max():.2f} s"
    shaped = sample_engine.bank.ready(sample.sha256, -24.0, None)
    assert shaped is not None and len(shaped) == 4 * int(29.9 * SR)  # two octaves down
    popup.close()
