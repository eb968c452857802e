"""The real-time engine: clock pacing, the live stream against the bounce, the step it
reports, and falling back when an output device fails."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from desktop_app.audio import output
from desktop_app.audio.bounce import OfflineRender, bounce
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.timing import loop_samples
from desktop_app.domain.pattern import demo_pattern
from tests.unit.click_patterns import (
    SR,
    blocks_of,
    click_kit,
    every_step,
    expected_onsets,
    onsets,
    pattern_with,
    wait_for,
)


def test_live_steady_state_equals_the_bounce() -> None:
    """What the engine plays once the loop is going is what the bounce renders (the
    clock-driven engine, the full limiter; tests/unit/test_bounce_stream.py has the seam)."""
    kit = load_default_kit()
    p = demo_pattern()
    p.set_bpm(105)  # 6300 samples a step: every pass starts on a whole sample
    total = loop_samples(p, SR, 1)
    engine = Engine(kit, use_device=False, clock_speed=0, block_size=441)
    engine.set_pattern(p)
    got = blocks_of(engine)
    engine.start()
    wait_for(lambda: sum(len(b) for b in got) > 3 * total, 20)
    engine.stop()
    live = np.concatenate(got)
    assert np.allclose(live[2 * total : 3 * total], bounce(OfflineRender(p, kit, 1, SR)), atol=1e-6)


def _seconds(blocks: list[np.ndarray]) -> float:
    return sum(len(b) for b in blocks) / SR


def test_clock_paced_engine_plays_in_real_time_and_reports_the_step() -> None:
    engine = Engine(click_kit(), use_device=False, block_size=512)
    p = pattern_with(every_step(), bpm=120)
    engine.set_pattern(p)
    got = blocks_of(engine)
    assert engine.current_step() is None
    started = time.monotonic()
    engine.start()
    try:
        wait_for(lambda: _seconds(got) >= 0.4)
        elapsed = time.monotonic() - started
        step = engine.current_step()
        assert engine.is_playing and engine.output_mode == "clock"
        feeder = engine._thread
    finally:
        engine.stop()
    # Paced by the clock: 0.4 s of audio took (about) 0.4 s, not less; at 125 ms per step
    # the engine reports step 3 (one either side for scheduling jitter).
    assert elapsed >= 0.3
    assert step in (2, 3, 4)
    assert not engine.is_playing and engine.current_step() is None
    assert feeder is not None and not feeder.is_alive()  # stop() joined it: nothing after stop


def test_unpaced_engine_output_is_the_sample_exact_stream() -> None:
    engine = Engine(click_kit(), use_device=False, clock_speed=0, block_size=300)
    p = pattern_with(every_step(), swing=0.2)
    engine.set_pattern(p)
    got = blocks_of(engine)
    done = threading.Event()
    need = loop_samples(p, SR, 4)
    engine.add_block_listener(lambda b: done.set() if sum(len(x) for x in got) > need else None)
    engine.start()
    assert done.wait(10)
    engine.stop()
    pcm = np.concatenate(got)
    assert onsets(pcm[:need]) == expected_onsets(122.0, 0.2, 16, 4)
    # Stopping faded out instead of cutting: the last block ends in silence.
    assert not got[-1][-1].any()


def test_set_pattern_takes_a_copy() -> None:
    engine = Engine(click_kit(), use_device=False, clock_speed=0)
    p = pattern_with(every_step())
    engine.set_pattern(p)
    p.tracks[0].steps[:] = [0] * 16  # editing the caller's object changes nothing
    got = blocks_of(engine)
    engine.start()
    wait_for(lambda: _seconds(got) >= 0.1)
    engine.stop()
    assert onsets(np.concatenate(got))


def test_engine_bounce_uses_its_kit() -> None:
    engine = Engine(click_kit(), use_device=False)
    out = engine.bounce(pattern_with(every_step()), 2)
    assert onsets(out) == expected_onsets(122.0, 0.0, 16, 2)


@pytest.mark.skipif(bool(output.list_output_devices()), reason="this machine has a sound card")
def test_without_a_device_the_clock_takes_over_with_a_notice() -> None:
    notices: list[str] = []
    engine = Engine(click_kit(), on_notice=notices.append)
    engine.set_pattern(pattern_with(every_step()))
    got = blocks_of(engine)
    engine.start()
    wait_for(lambda: bool(got))
    mode = engine.output_mode
    engine.stop()
    assert mode == "clock" and got
    assert len(notices) == 1 and "No audio output device" in notices[0]


# ---- device fallback, with PortAudio replaced by a stand-in -------
class _FakeStream:
    def __init__(self, fake, device, callback, finished_callback, blocksize, **_):
        if device not in fake.devices or device in fake.unplugged:
            raise ValueError(f"No output device matching {device!r}")
        self.device, self.callback, self.blocksize = device, callback, blocksize
        self.active = False
        self.fake = fake
        self.finished = finished_callback
        fake.streams.append(self)

    def start(self):
        self.active = True
        self.thread = threading.Thread(target=self._pull, daemon=True)
        self.thread.start()

    def _pull(self):  # plays like a device: pulls a block every few ms until unplugged
        out = np.zeros((self.blocksize, 2), np.float32)
        while self.active:
            if self.device in self.fake.unplugged:
                self.active = False
                self.finished()
                return
            self.callback(out, self.blocksize, None, None)
            time.sleep(0.002)

    def abort(self):
        self.active = False

    def close(self):
        self.active = False


class _FakeSoundDevice:
    def __init__(self, devices):
        self.devices = devices
        self.unplugged: set = set()
        self.streams: list[_FakeStream] = []

    def OutputStream(self, *, device=None, **kw):
        return _FakeStream(self, device, **kw)


def test_missing_device_falls_back_to_default_then_unplug_falls_back_to_clock(monkeypatch):
    fake = _FakeSoundDevice({None, "USB"})
    monkeypatch.setattr(output, "_sounddevice", lambda: fake)
    notices: list[str] = []
    engine = Engine(click_kit(), output_device="Gone", on_notice=notices.append)
    engine.set_pattern(pattern_with(every_step()))
    engine.start()
    try:
        wait_for(lambda: engine.output_mode == "device")
        assert fake.streams[-1].device is None
        assert "'Gone' cannot be opened; playing on the default device" in notices[-1]
        engine.set_output_device("USB")
        wait_for(lambda: fake.streams[-1].device == "USB")
        # (the stream is made before the engine takes it as its sink: wait, not assert)
        wait_for(lambda: engine.output_mode == "device")
        fake.unplugged.add("USB")
        wait_for(lambda: "no longer available" in notices[-1])
        wait_for(lambda: engine.output_mode == "device" and fake.streams[-1].device is None)
        assert "'USB' is no longer available; playing on the default device" in notices[-1]
        fake.unplugged.add(None)
        wait_for(lambda: engine.output_mode == "clock")
        assert engine.is_playing
        assert "internal clock" in notices[-1]
    finally:
        engine.stop()


def test_stop_without_waiting_returns_at_once_and_restarts_cleanly():
    from desktop_app.audio.engine import Engine
    from desktop_app.audio.kit import load_default_kit
    from desktop_app.domain.pattern import demo_pattern

    engine = Engine(load_default_kit(), use_device=False, clock_speed=1.0)
    engine.set_pattern(demo_pattern())
    engine.start()
    seen = []
    engine.add_block_listener(lambda b: seen.append(len(b)))
    wait_for(lambda: bool(seen))
    engine.stop(wait=False)
    assert engine._stopping is not None  # the paced fade-out goes on without the caller
    assert not engine.is_playing
    engine.start()  # joins the fading feeder first
    assert engine.is_playing
    engine.stop()
    assert not engine.is_playing
