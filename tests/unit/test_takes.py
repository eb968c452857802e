"""Takes a musician can trust, with the clock-driven engine: a count-in that is heard but
not recorded, "record N bars" and "stop at the end of the bar" that end exactly on a bar
line (so the take loops whole), and a take clock in bars.beats."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio.audio_files import read_audio
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import Kit
from desktop_app.audio.metronome import MetronomeSettings
from desktop_app.audio.recorder import Recorder, RecordingResult
from desktop_app.audio.timing import bar_frames, bars_beats, next_bar_line
from desktop_app.domain.pattern import Pattern, Track

SR = 44100
STEP = 6300  # 105 BPM
BAR = 16 * STEP


def groove() -> Pattern:
    return Pattern(
        bpm=105.0,
        length=16,
        tracks=[Track("C", "click", [127, 0, 0, 0, 90, 0, 0, 0] * 2, volume=1.0)],
    )


def engine_with_output() -> tuple[Engine, list[np.ndarray]]:
    kit = Kit("k", SR, {"click": np.array([0.5], np.float32)})
    engine = Engine(kit, use_device=False, clock_speed=0, block_size=300)
    engine.set_pattern(groove())
    heard: list[np.ndarray] = []
    engine.add_output_listener(lambda b: heard.append(b.copy()))
    return engine, heard


def onsets(x: np.ndarray) -> list[int]:
    return np.nonzero(np.abs(x[:, 0]) > 1e-4)[0].tolist()


def _take(
    tmp_path: Path, metronome: MetronomeSettings, count_in: int
) -> tuple[Engine, list[np.ndarray], RecordingResult]:
    """Two bars of the groove recorded after ``count_in`` bars: the stopped engine, what
    it played, and the take."""
    engine, heard = engine_with_output()
    engine.set_metronome(metronome)
    recorder = Recorder(engine, tmp_path)
    recorder.start(length_frames=bar_frames(groove(), SR, 2))
    engine.start(count_in_bars=count_in)
    assert recorder.complete.wait(20)
    result = recorder.stop()
    engine.stop()
    return engine, heard, result


def _take_pcm(tmp_path: Path, metronome: MetronomeSettings, count_in: int) -> np.ndarray:
    return read_audio(_take(tmp_path, metronome, count_in)[2].wav_path)[0]


@pytest.mark.parametrize("bars", [1, 2])
def test_count_in_is_heard_and_the_take_starts_on_step_0(tmp_path: Path, bars: int) -> None:
    engine, heard, result = _take(tmp_path, MetronomeSettings(enabled=False, volume=0.5), bars)
    assert engine.count_in_frames == bars * BAR
    pcm, _ = read_audio(result.wav_path)
    # exactly 2 bars, the first sample is step 0's hit, no click in the take
    assert len(pcm) == 2 * BAR and result.duration == 2 * BAR / SR
    assert onsets(pcm) == [k * 4 * STEP for k in range(8)]
    out = np.concatenate(heard)
    count_in = out[: bars * BAR, 0]
    beats = [b for b in range(0, bars * BAR, 4 * STEP)]
    assert all(abs(count_in[b]) > 0 for b in beats)  # a click on every count-in beat
    assert abs(count_in[0]) > abs(count_in[4 * STEP]) * 1.3  # accent on the bar
    assert np.array_equal(out[bars * BAR : bars * BAR + 2 * BAR], pcm)  # then the music


def test_record_n_bars_loops_whole(tmp_path: Path) -> None:
    engine, _heard = engine_with_output()
    recorder = Recorder(engine, tmp_path)
    recorder.start(length_frames=bar_frames(groove(), SR, 3))
    engine.start()
    assert recorder.complete.wait(20)
    result = recorder.stop()
    engine.stop()
    pcm, _ = read_audio(result.wav_path)
    assert len(pcm) == 3 * BAR
    # looped, bar 3 runs straight into bar 1: every bar is the same
    assert np.array_equal(pcm[:BAR], pcm[2 * BAR :])


def test_stop_at_the_end_of_the_bar(tmp_path: Path) -> None:
    engine, _heard = engine_with_output()
    recorder = Recorder(engine, tmp_path)
    reached = threading.Event()
    engine.add_block_listener(lambda b: reached.set() if recorder.frames_taken > BAR + 5 else None)
    recorder.start()
    engine.start()
    assert reached.wait(20)
    taken = recorder.frames_taken
    recorder.finish_at(next_bar_line(groove(), SR, taken))  # "stop at the end of the bar"
    assert recorder.complete.wait(20)
    result = recorder.stop()
    engine.stop()
    pcm, _ = read_audio(result.wav_path)
    assert len(pcm) % BAR == 0 and len(pcm) >= taken


def test_take_clock_in_bars_and_beats() -> None:
    p = groove()
    assert bars_beats(p, SR, 0) == "1.1"
    assert bars_beats(p, SR, 4 * STEP) == "1.2"
    assert bars_beats(p, SR, 4 * STEP - 1) == "1.1"
    assert bars_beats(p, SR, 2 * BAR + 3 * 4 * STEP) == "3.4"
    assert next_bar_line(p, SR, 1) == BAR and next_bar_line(p, SR, BAR) == BAR


def test_count_in_is_at_most_two_bars() -> None:
    engine, _ = engine_with_output()
    with pytest.raises(ValueError, match="count-in: 3 bars"):
        engine.start(count_in_bars=3)


def test_the_click_is_heard_through_the_take_but_not_recorded(tmp_path: Path) -> None:
    """Metronome on, a count-in and two bars: the take is sample for sample the take made
    with the metronome off; asked to, the take has the clicks on every beat."""
    silent = _take_pcm(tmp_path / "a", MetronomeSettings(enabled=False), 1)
    clicked = _take_pcm(tmp_path / "b", MetronomeSettings(enabled=True, volume=0.5), 1)
    assert np.array_equal(silent, clicked)
    with_click = MetronomeSettings(enabled=True, volume=0.5, record=True)
    recorded = _take_pcm(tmp_path / "c", with_click, 1)
    clicks = recorded - silent
    beats = [k * 4 * STEP for k in range(8)]
    assert all(abs(clicks[b + 40, 0]) > 0.05 for b in beats)  # every beat of both bars
    assert not clicks[2 * STEP : 3 * STEP].any()  # nothing between the beats
