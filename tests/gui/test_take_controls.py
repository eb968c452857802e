"""The take controls a musician uses, with the real engine on its clock: the metronome
switch and the take-options menu found by their pixels and clicked, the master volume
dragged, the record button following the options (count-in, N bars, stop at the end of
the bar), the output meter while only playing and the input meter with input mixing on.
Options persist in the settings file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from desktop_app.audio.audio_files import read_audio
from desktop_app.audio.audio_input import InputTap, InputUnavailable
from desktop_app.audio.timing import bar_frames
from desktop_app.domain.pattern import demo_pattern
from desktop_app.settings import Settings
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.state.take_options import TakeOptions
from desktop_app.ui import theme
from desktop_app.ui.sequencer_panel import SequencerPanel
from tests.gui.pixels import LEFT, NO_MOD, Blob, blobs, grab


@pytest.fixture
def engine(clock_engine):
    return clock_engine(4.0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.open(tmp_path / "settings.ini")


@pytest.fixture
def rec(engine, settings, tmp_path):
    state = RecordingState(engine, tmp_path / "recordings", settings)
    yield state
    if state.is_recording:
        state.stop()
    state.close_input()


@pytest.fixture
def panel(qtbot, engine, rec):
    seq = SequencerState(engine, pattern=demo_pattern())
    widget = SequencerPanel(seq, rec)
    qtbot.addWidget(widget)
    widget.resize(1100, 420)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    seq.stop()


def blend(colour: str, alpha: int, over: str) -> str:
    a, b = QColor(colour), QColor(over)
    mix = [
        round(y + (x - y) * alpha / 255)
        for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True)
    ]
    return QColor(*mix).name()


def metronome_glyph(panel: SequencerPanel, colour: str) -> Blob:
    """The metronome: the one glyph of ``colour`` in the transport as tall as an icon (text
    is lower, the button's border taller). Loose tolerance: the icon is drawn at twice the
    size and scaled down, which softens its thin parts."""
    found = [
        b
        for b in blobs(grab(panel.transport), colour, tolerance=48)
        if 11 <= b.height <= 16 and b.width >= 6
    ]
    assert len(found) == 1, found
    return found[0]


def chevron(panel: SequencerPanel) -> Blob:
    """The take-options button's downward triangle: a dim glyph twice as wide as tall."""
    found = [
        b
        for b in blobs(grab(panel.transport), theme.TEXT_DIM)
        if b.width >= 7 and b.width >= 1.6 * b.height and b.height >= 3
    ]
    assert len(found) == 1, found
    return found[0]


def under(top, point: QPoint) -> tuple[QWidget, QPoint]:
    """The widget painted at ``point`` of ``top`` and the point in its coordinates: where a
    real click would be delivered."""
    target = top.childAt(point) or top
    return target, target.mapFrom(top, point) if target is not top else point


def click(top, point: QPoint) -> None:
    QTest.mouseClick(*_press_args(top, point))


def _press_args(top, point: QPoint):
    target, local = under(top, point)
    return target, LEFT, NO_MOD, local


def with_menu(qtbot, panel: SequencerPanel, handle: Callable[[QMenu], None]) -> None:
    """Click the chevron where it is painted; the menu it opens runs its own event loop,
    so ``handle(menu)`` is called from inside it, found as the active popup."""
    seen: list[QMenu] = []

    def inside() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, inside)
            return
        seen.append(menu)
        handle(menu)
        if menu.isVisible():
            menu.close()

    QTimer.singleShot(20, inside)
    click(panel.transport, chevron(panel).centre)
    qtbot.waitUntil(lambda: bool(seen) and QApplication.activePopupWidget() is None, timeout=5000)


def choose(qtbot, panel: SequencerPanel, text: str) -> None:
    """Open the menu where the chevron is painted and click the item called ``text``."""

    def pick(menu: QMenu) -> None:
        action = next(a for a in menu.actions() if a.text() == text)
        QTest.mouseClick(menu, LEFT, NO_MOD, menu.actionGeometry(action).center())

    with_menu(qtbot, panel, pick)


def test_options_persist_and_drive_the_engine(engine, tmp_path: Path) -> None:
    path = tmp_path / "s.ini"
    options = TakeOptions(engine, Settings.open(path))
    assert (options.count_in_bars, options.record_bars, options.stop_at_bar_end) == (0, 0, False)
    assert not options.metronome.enabled and not options.metronome.record  # click not recorded
    options.set_metronome_enabled(True)
    options.set_metronome_volume(0.3)
    options.set_master_volume(0.6)
    options.set_count_in_bars(2)
    options.set_record_bars(8)
    options.set_stop_at_bar_end(True)
    assert engine.metronome.enabled and engine.metronome.volume == pytest.approx(0.3)
    assert engine.master_volume == pytest.approx(0.6)
    with pytest.raises(ValueError, match="count-in: 3 bars"):
        options.set_count_in_bars(3)
    settings = Settings.open(path)
    settings.sync()
    again = TakeOptions(engine, Settings.open(path))  # the next start
    assert again.metronome.enabled and again.metronome.volume == pytest.approx(0.3)
    assert again.master_volume == pytest.approx(0.6)
    assert (again.count_in_bars, again.record_bars, again.stop_at_bar_end) == (2, 8, True)


def test_an_edited_file_is_clamped_not_refused(engine, tmp_path: Path) -> None:
    settings = Settings.open(tmp_path / "s.ini")
    settings.count_in_bars = 7
    settings.metronome_volume = 3.0
    settings.master_volume = -1.0
    options = TakeOptions(engine, settings)
    assert options.count_in_bars == 2
    assert options.metronome.volume == 1.0 and options.master_volume == 0.0


def test_the_metronome_switch_is_clicked_where_it_is_painted(qtbot, panel, engine, settings):
    glyph = metronome_glyph(panel, theme.TEXT_DIM)
    click(panel.transport, glyph.centre)
    assert engine.metronome.enabled and settings.metronome
    lit = metronome_glyph(panel, theme.ACCENT)  # now drawn in the accent colour
    assert abs(lit.centre.x() - glyph.centre.x()) <= 1
    click(panel.transport, lit.centre)
    assert not engine.metronome.enabled and not settings.metronome


def test_the_menu_sets_the_click_and_shows_the_options(qtbot, panel, engine, rec):
    choose(qtbot, panel, "Click on every beat")
    assert engine.metronome.enabled
    choose(qtbot, panel, "Record the click too")
    assert engine.metronome.record

    def drag_slider(menu: QMenu) -> None:
        slider = panel.transport.take_controls.menu.click_volume.slider
        assert slider.isVisible() and slider.window() is menu
        slider.setFocus()
        for _ in range(5):  # 50% → 25%, with the keyboard as a musician could
            QTest.keyClick(slider, Qt.Key.Key_Left)
        slider.setValue(25)

    with_menu(qtbot, panel, drag_slider)
    assert engine.metronome.volume == pytest.approx(0.25)
    rec.options.set_count_in_bars(2)  # changed elsewhere: the menu shows it
    checked = [a.text() for a in panel.transport.take_controls.menu.actions() if a.isChecked()]
    assert checked == ["Click on every beat", "Record the click too", "Count in 2 bars",
                       "Until stopped"]  # fmt: skip


def test_record_with_a_count_in_for_one_bar_from_the_menu(qtbot, panel, engine, rec):
    choose(qtbot, panel, "Count in 1 bar")
    choose(qtbot, panel, "Record 1 bar")
    assert (rec.options.count_in_bars, rec.options.record_bars) == (1, 1)
    statuses: list[str] = []
    rec.countingIn.connect(lambda on: statuses.append(panel.transport.status.text()))
    with qtbot.waitSignal(rec.finished, timeout=20000) as done:
        panel.record_action.trigger()  # R
        assert rec.is_recording and engine.count_in_frames == bar_frames(
            demo_pattern(), engine.sample_rate, 1
        )
    assert statuses[:2] == ["Count-in: 1 bar…", "Recording 1 bar…"]
    pcm, rate = read_audio(done.args[0].wav_path)
    assert len(pcm) == bar_frames(demo_pattern(), rate, 1)  # ended itself on the bar line
    qtbot.waitUntil(lambda: not engine.is_playing, timeout=3000)


def test_stop_at_the_end_of_the_bar_from_the_record_button(qtbot, panel, engine, rec):
    choose(qtbot, panel, "Stop at the end of the bar")
    assert rec.options.stop_at_bar_end
    panel.record_action.trigger()
    qtbot.waitUntil(lambda: rec.take_clock() >= "1.2", timeout=10000)
    with qtbot.waitSignal(rec.takeEnding):
        panel.record_action.trigger()  # ask to stop: the take runs on to the bar line
    assert rec.is_recording and rec.ending
    assert panel.transport.status.text().startswith("Ending at the bar line")
    with qtbot.waitSignal(rec.finished, timeout=20000) as done:
        pass
    pcm, rate = read_audio(done.args[0].wav_path)
    bar = bar_frames(demo_pattern(), rate, 1)
    assert len(pcm) % bar == 0 and len(pcm) >= bar


def test_asking_twice_stops_at_once(qtbot, panel, engine, rec):
    rec.options.set_stop_at_bar_end(True)
    panel.record_action.trigger()
    qtbot.waitUntil(lambda: rec.take_clock() >= "1.2", timeout=10000)
    panel.record_action.trigger()
    with qtbot.waitSignal(rec.finished, timeout=3000):
        panel.record_action.trigger()
    assert not rec.is_recording


def test_master_volume_is_dragged_where_it_is_painted(qtbot, panel, engine, settings):
    fill = blend(theme.ACCENT, 120, theme.BG_DEEP)
    bar = max(blobs(grab(panel.transport), fill, tolerance=12), key=lambda b: b.pixels)
    target, local = under(panel.transport, bar.centre)
    QTest.mousePress(target, LEFT, NO_MOD, local)
    QTest.mouseMove(target, local - QPoint(30, 0))
    QTest.mouseRelease(target, LEFT, NO_MOD, local - QPoint(30, 0))
    volume = panel._rec.options.master_volume
    assert 0.3 < volume < 0.9
    assert engine.master_volume == volume and settings.master_volume == volume


def test_the_output_meter_shows_playback_without_a_take(qtbot, panel, engine, rec):
    panel._seq.play()
    qtbot.waitUntil(lambda: panel.transport.meter.level_db > -30, timeout=5000)
    assert not rec.is_recording
    lit = blobs(grab(panel.transport.meter), theme.METER_LOW, tolerance=4)
    assert lit, "no lit segment painted"
    assert not panel.transport.input_meter.isVisible()  # mixing is off


def test_the_input_meter_shows_while_input_mixing_is_on(qtbot, engine, settings, tmp_path):
    taps: list[InputTap] = []
    devices: list[str | None] = []

    def open_tap(device: str | None, rate: int) -> InputTap:
        devices.append(device)
        taps.append(InputTap(rate))  # fed with push(), what the device callback does
        return taps[-1]

    seq = SequencerState(engine, pattern=demo_pattern())
    rec = RecordingState(engine, tmp_path / "r", settings, open_input=open_tap)
    panel = SequencerPanel(seq, rec)
    qtbot.addWidget(panel)
    panel.resize(1100, 420)
    panel.show()
    qtbot.waitExposed(panel)
    assert not panel.transport.input_meter.isVisible()
    settings.mix_input = True
    assert rec.input_metering and panel.transport.input_meter.isVisible()
    tone = 0.5 * np.sin(np.arange(4410) / 10.0).astype(np.float32)
    with qtbot.waitSignal(rec.inputLevelChanged, check_params_cb=lambda v: v > 0.4):
        taps[0].push(tone)
    assert panel.transport.input_meter.level_db > -7
    # a take mixes the metered input (not a second stream on the same device)
    rec.start()
    taps[0].push(np.ones(2000, np.float32) * 0.9)
    qtbot.waitUntil(lambda: rec.take_clock() >= "1.2", timeout=10000)
    settings.input_device = "USB mic"  # chosen during the take: the take keeps its input
    assert len(taps) == 1
    result = rec.stop()
    assert result is not None
    assert devices == [None, "USB mic"]  # and the meter follows the new one after it
    settings.mix_input = False
    assert not rec.input_metering and not panel.transport.input_meter.isVisible()
    seq.stop()


def test_an_input_that_cannot_open_is_one_sentence(qtbot, engine, settings, tmp_path):
    def no_input(device: str | None, rate: int) -> InputTap:
        raise InputUnavailable("Cannot open the default input: no device")

    rec = RecordingState(engine, tmp_path / "r", settings, open_input=no_input)
    with qtbot.waitSignal(rec.error) as err:
        settings.mix_input = True
    assert err.args[0] == (
        "Input mixing is on, but cannot open the default input: no device. Turn off "
        "“Mix the input into recordings” in Settings to record without it."
    )
    assert not rec.input_metering


def test_a_take_without_its_input_says_how_to_record_anyway(qtbot, engine, settings, tmp_path):
    """R with input mixing on and no input said "Could not start recording: Cannot open
    the default input: Error querying device -1": PortAudio's words, and no way out."""

    def no_input(device: str | None, rate: int) -> InputTap:
        raise InputUnavailable("No audio input was found (no microphone or line in)")

    settings.mix_input = True
    rec = RecordingState(engine, tmp_path / "r", settings, open_input=no_input)
    with qtbot.waitSignal(rec.error) as err:
        rec.start()
    assert err.args[0] == (
        "Could not start recording: input mixing is on, but no audio input was found (no "
        "microphone or line in). Turn off “Mix the input into recordings” in Settings to "
        "record without it."
    )
    assert not rec.is_recording
    assert not list((tmp_path / "r").glob("*.part"))
