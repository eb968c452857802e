"""The metronome with the clock-driven engine: heard on every beat with an accent on the
bar, at its own volume, never in the recording unless asked."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import Kit
from desktop_app.audio.metronome import MetronomeSettings
from desktop_app.domain.pattern import Pattern
from desktop_app.domain.track import Track

SR = 44100
STEP = 6300  # 105 BPM, 4 steps a beat


def run_engine(settings: MetronomeSettings, steps=None, passes: int = 2):
    kit = Kit("k", SR, {"click": np.array([0.5], np.float32)})
    pattern = Pattern(
        bpm=105.0, length=16, tracks=[Track("C", "click", steps or [0] * 16, volume=1.0)]
    )
    engine = Engine(kit, use_device=False, clock_speed=0, block_size=300)
    engine.set_pattern(pattern)
    engine.set_metronome(settings)
    recorded, heard = [], []
    enough = threading.Event()
    need = passes * 16 * STEP

    def on_heard(b: np.ndarray) -> None:
        heard.append(b.copy())
        if sum(len(x) for x in heard) >= need:
            enough.set()

    engine.add_block_listener(lambda b: recorded.append(b.copy()))
    engine.add_output_listener(on_heard)
    engine.start()
    assert enough.wait(20)
    engine.stop()
    n = min(sum(len(x) for x in recorded), sum(len(x) for x in heard))
    return np.concatenate(recorded)[:n], np.concatenate(heard)[:n]


def onsets(x: np.ndarray) -> list[int]:
    loud = np.abs(x[:, 0]) > 1e-4
    starts = np.nonzero(loud & ~np.concatenate([[False], loud[:-1]]))[0]
    # one onset per click (a click lasts 25 ms, much less than a beat)
    out: list[int] = []
    for s in starts.tolist():
        if not out or s - out[-1] > 2000:
            out.append(s)
    return out


def test_click_on_every_beat_with_an_accent_on_the_bar_and_not_recorded() -> None:
    recorded, heard = run_engine(MetronomeSettings(enabled=True, volume=0.5))
    assert not recorded.any()  # the take has no click
    beats = onsets(heard)
    assert beats[:8] == [k * 4 * STEP for k in range(8)]  # every beat, sample-exact
    peaks = [float(np.abs(heard[b : b + 1100, 0]).max()) for b in beats[:8]]
    assert peaks[0] == pytest.approx(peaks[4], rel=1e-3)  # bar starts alike
    assert peaks[0] > 1.3 * peaks[1]  # the first beat of the bar is accented
    assert peaks[0] == pytest.approx(0.5, rel=0.05)  # at the metronome's own volume


def test_volume_and_record_switch() -> None:
    recorded, heard = run_engine(MetronomeSettings(enabled=True, volume=0.25, record=True))
    assert np.array_equal(recorded, heard)  # asked for: the click is in the take
    assert float(np.abs(heard[:1100, 0]).max()) == pytest.approx(0.25, rel=0.05)
    recorded, heard = run_engine(MetronomeSettings(enabled=False), steps=[127] + [0] * 15)
    assert np.array_equal(recorded, heard)  # off: heard is what is recorded
    assert onsets(heard)[:2] == [0, 16 * STEP]


def test_music_and_clicks_stay_aligned_through_the_limiter() -> None:
    recorded, heard = run_engine(MetronomeSettings(enabled=True, volume=0.5), [127] * 16)
    clicks = heard - recorded
    assert onsets(clicks)[:4] == [k * 4 * STEP for k in range(4)]
    assert np.abs(recorded[0]).max() > 0  # the music's step 0 is at frame 0 too


def test_volume_outside_0_1_is_refused() -> None:
    with pytest.raises(ValueError, match="metronome volume"):
        MetronomeSettings(enabled=True, volume=1.5)


def test_master_volume_scales_what_is_heard_not_the_take() -> None:
    kit = Kit("k", SR, {"click": np.array([0.5], np.float32)})
    pattern = Pattern(bpm=105.0, length=16, tracks=[Track("C", "click", [127] * 16, volume=1.0)])
    engine = Engine(kit, use_device=False, clock_speed=0, block_size=300)
    engine.set_pattern(pattern)
    engine.set_master_volume(0.25)
    recorded, heard = [], []
    enough = threading.Event()
    engine.add_block_listener(lambda b: recorded.append(b.copy()))

    def on_heard(b: np.ndarray) -> None:
        heard.append(b.copy())
        if len(heard) > 50:
            enough.set()

    engine.add_output_listener(on_heard)
    assert engine.output_level() == 0.0  # stopped
    engine.start()
    assert enough.wait(20)
    level = engine.output_level()
    engine.stop()
    n = min(len(recorded), len(heard)) - 1
    rec, out = np.concatenate(recorded[:n]), np.concatenate(heard[:n])
    assert np.allclose(out, rec * 0.25)
    assert rec.max() > 0.2 and 0 < level <= 0.25 * rec.max() + 1e-6
    with pytest.raises(ValueError, match="master volume"):
        engine.set_master_volume(1.5)
