"""RecordingState with the real engine on its clock (no sound card): a take starts
playback, stopping gives a real MP3, errors arrive as one sentence."""

from __future__ import annotations

import pytest

from desktop_app.audio.recorder import RecordingResult
from desktop_app.domain.pattern import demo_pattern
from desktop_app.state.recording_state import RecordingState


@pytest.fixture
def engine(clock_engine):
    return clock_engine(4.0)


def record_some(qtbot, rec: RecordingState, seconds: float = 0.1) -> None:
    """Wait until the take holds audio rather than for a fixed time, which a busy machine
    may not honour."""
    with qtbot.waitSignal(rec.elapsedChanged, check_params_cb=lambda s: s >= seconds, timeout=5000):
        pass


def test_record_starts_playback_and_stop_gives_an_mp3(qtbot, states, engine):
    seq, rec = states
    levels: list[float] = []
    rec.levelChanged.connect(levels.append)
    with qtbot.waitSignal(rec.recordingChanged) as started:
        rec.start()
    assert started.args == [True]
    assert engine.is_playing
    qtbot.waitUntil(lambda: seq.is_playing, timeout=2000)  # the transport follows
    with qtbot.waitSignal(rec.elapsedChanged, check_params_cb=lambda s: s > 0.3, timeout=5000):
        pass
    finished: list[RecordingResult] = []
    rec.finished.connect(finished.append)
    with qtbot.waitSignal(rec.recordingChanged, check_params_cb=lambda on: not on):
        result = rec.stop()
    assert isinstance(result, RecordingResult)
    assert finished == [result]
    assert rec.last_result is result
    assert result.mp3_path.exists() and result.mp3_path.stat().st_size == result.size_bytes > 0
    assert result.mp3_path.parent == rec.recordings_dir
    assert result.duration > 0.3
    assert max(levels) > 0.05  # the meter saw the drums
    assert levels[-1] == 0.0  # and fell silent at the end
    assert not engine.is_playing  # we started playback, so we stopped it
    qtbot.waitUntil(lambda: not seq.is_playing, timeout=2000)


def test_recording_while_playing_keeps_playing(qtbot, states, engine):
    seq, rec = states
    seq.play()
    assert seq.is_playing
    rec.start()
    record_some(qtbot, rec)
    assert rec.stop() is not None
    assert engine.is_playing
    assert seq.is_playing


def test_stopping_the_transport_ends_the_take(qtbot, states):
    seq, rec = states
    rec.start()
    record_some(qtbot, rec)
    with qtbot.waitSignal(rec.finished, timeout=3000):
        seq.stop()
    assert not rec.is_recording
    assert rec.last_result is not None


def test_unwritable_folder_is_an_error_signal(qtbot, engine, tmp_path):
    blocker_file = tmp_path / "not-a-folder"
    blocker_file.write_text("x")
    rec = RecordingState(engine, blocker_file / "recordings")
    with qtbot.waitSignal(rec.error) as err:
        rec.start()
    assert "recording" in err.args[0].lower()
    assert not rec.is_recording
    assert not engine.is_playing


def test_without_engine_recording_reports_an_error(qtbot, tmp_path):
    rec = RecordingState(None, tmp_path)
    with qtbot.waitSignal(rec.error), qtbot.assertNotEmitted(rec.recordingChanged):
        rec.start()
    assert rec.stop() is None


def test_settings_choose_the_bitrate(qtbot, engine, tmp_path):
    from desktop_app.settings import Settings

    settings = Settings.open(tmp_path / "settings.ini")
    settings.mp3_bitrate = 192
    rec = RecordingState(engine, tmp_path / "rec", settings)
    rec.start()
    record_some(qtbot, rec)
    result = rec.stop()
    assert result is not None and result.bitrate == 192
    rec.clear_result()
    assert rec.last_result is None


def test_edits_while_playing_are_heard_at_once(qtbot, states):
    seq, rec = states
    levels: list[float] = []
    rec.levelChanged.connect(levels.append)
    rec.start()
    qtbot.waitUntil(lambda: bool(levels) and max(levels) > 0.05, timeout=3000)
    seq.clear_all()  # the engine gets the silent pattern from the next step on
    levels.clear()
    qtbot.waitUntil(lambda: len(levels) > 3 and max(levels[-3:]) < 0.002, timeout=5000)
    seq.undo_stack.undo()  # and the groove comes back
    qtbot.waitUntil(lambda: max(levels[-3:]) > 0.05, timeout=3000)


def test_sending_the_take_clears_it_from_the_transport(qtbot, tmp_path):
    from desktop_app.state.recording_state import RecordingState

    state = RecordingState(None, tmp_path)
    state.last_result = object()
    with qtbot.waitSignal(state.resultCleared, timeout=1000):
        state.clear_result()
    assert state.last_result is None
    with qtbot.assertNotEmitted(state.resultCleared):
        state.clear_result()  # nothing left to clear


def test_the_level_meter_shows_the_output_without_recording(qtbot, states, engine):
    seq, rec = states
    levels: list[float] = []
    rec.levelChanged.connect(levels.append)
    seq.play()
    qtbot.waitUntil(lambda: bool(levels) and max(levels) > 0.05, timeout=3000)
    assert not rec.is_recording
    seq.stop()
    qtbot.waitUntil(lambda: levels[-1] == 0.0, timeout=3000)


def test_record_n_bars_with_a_count_in_ends_on_the_bar_line(qtbot, states, engine):
    _seq, rec = states
    finished: list[RecordingResult] = []
    rec.finished.connect(finished.append)
    rec.start(bars=1, count_in_bars=1)
    assert engine.count_in_frames > 0
    qtbot.waitUntil(lambda: bool(finished), timeout=15000)  # it stopped by itself
    pattern = demo_pattern()
    bar = round(16 * 44100 * 60 / (pattern.bpm * 4))
    assert round(finished[0].duration * 44100) == bar
    assert not rec.is_recording


def test_stop_at_the_end_of_the_bar_and_the_take_clock(qtbot, states):
    _seq, rec = states
    finished: list[RecordingResult] = []
    rec.finished.connect(finished.append)
    rec.start()
    assert rec.take_clock() in ("1.1", "1.2")
    record_some(qtbot, rec, 0.2)
    assert rec.take_clock().startswith("1.")
    rec.stop_at_bar_end()
    qtbot.waitUntil(lambda: bool(finished), timeout=15000)
    pattern = demo_pattern()
    bar = round(16 * 44100 * 60 / (pattern.bpm * 4))
    assert round(finished[0].duration * 44100) % bar == 0
