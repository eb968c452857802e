"""Sample accuracy, mixing rules, live edits and the clock-paced real-time engine."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from desktop_app.audio import output
from desktop_app.audio.bounce import bounce
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import Kit, KitError, load_default_kit
from desktop_app.audio.sequencer import (
    CHOKE_FADE,
    LIMIT_CEILING,
    LIMIT_THRESHOLD,
    MASTER_GAIN,
    Sequencer,
    soft_limit,
)
from desktop_app.audio.timing import loop_samples
from desktop_app.domain.pattern import Pattern, Track, demo_pattern

SR = 44100
CENTRE = np.sqrt(0.5)


def click_kit(**extra: np.ndarray) -> Kit:
    samples = {"click": np.array([1.0], np.float32), **extra}
    return Kit("test", SR, {k: np.asarray(v, np.float32) for k, v in samples.items()})


def pattern_with(*tracks: Track, bpm=122.0, swing=0.0, length=16) -> Pattern:
    return Pattern(tracks=list(tracks), bpm=bpm, swing=swing, length=length)


def every_step(length=16, velocity=127, sample="click", **kw) -> Track:
    return Track(sample, sample, [velocity] * length, volume=1.0, **kw)


def expected_onsets(bpm: float, swing: float, length: int, loops: int) -> list[int]:
    """Straight from the spec: round((p*length + k) * sps) + swing delay on odd k."""
    sps = SR * 60 / (bpm * 4)
    return [
        round((p * length + k) * sps) + (round(swing * sps) if k % 2 else 0)
        for p in range(loops)
        for k in range(length)
    ]


def onsets(pcm: np.ndarray) -> list[int]:
    return np.nonzero(np.abs(pcm[:, 0]) > 1e-6)[0].tolist()


# ---- timing -------
@pytest.mark.parametrize(
    ("bpm", "swing", "length"),
    [(122.0, 0.0, 16), (122.0, 0.3, 16), (97.3, 0.75, 12), (300.0, 0.5, 7)],
)
def test_bounce_onsets_are_sample_exact(bpm, swing, length) -> None:
    p = pattern_with(every_step(length), bpm=bpm, swing=swing, length=length)
    out = bounce(p, click_kit(), 3, SR)
    assert onsets(out) == expected_onsets(bpm, swing, length, 3)


@pytest.mark.parametrize("block", [512, 37, 4096])
def test_block_by_block_rendering_matches_the_bounce(block: int) -> None:
    p = pattern_with(every_step(), swing=0.42)
    seq = Sequencer(click_kit(), SR)
    seq.set_pattern(p)
    total = loop_samples(p, SR, 3)
    blocks = [seq.render(block) for _ in range(total // block + 1)]
    live = np.concatenate(blocks)[:total]
    assert onsets(live) == expected_onsets(122.0, 0.42, 16, 3)
    assert np.array_equal(live, bounce(p, click_kit(), 3, SR))


@pytest.mark.parametrize(
    ("bpm", "length", "loops"), [(120, 16, 64), (122, 16, 5), (87.5, 13, 3), (20, 1, 1)]
)
def test_bounce_is_exactly_n_passes(bpm, length, loops) -> None:
    p = pattern_with(every_step(length), bpm=bpm, length=length)
    out = bounce(p, click_kit(), loops, SR)
    assert out.shape == (round(loops * p.pass_seconds * SR), 2)
    assert out.dtype == np.float32


def test_tail_folds_into_the_start_so_the_render_loops() -> None:
    ring = np.exp(-np.arange(3 * SR) / (0.5 * SR)).astype(np.float32) * 0.5
    p = pattern_with(Track("Ring", "ring", [0] * 15 + [127], volume=1.0), bpm=120)
    one = bounce(p, click_kit(ring=ring), 1, SR)
    total = loop_samples(p, SR, 1)
    start = round(15 * SR * 60 / 480)
    # The ring starts at step 15 and wraps around, several times (it is longer than a pass).
    expected = np.zeros(total)
    for i in range(len(ring)):
        expected[(start + i) % total] += ring[i]
    assert np.allclose(
        one[:, 0], soft_limit((expected * MASTER_GAIN * CENTRE).astype(np.float32)), atol=1e-5
    )
    # With a whole number of samples per pass, every pass of a longer render is identical.
    four = bounce(p, click_kit(ring=ring), 4, SR)
    for k in range(1, 4):
        assert np.allclose(four[k * total : (k + 1) * total], four[:total], atol=1e-6)


def test_live_steady_state_equals_the_bounce() -> None:
    """What the engine plays once the loop is going is what the bounce renders (the
    clock-driven engine, the full limiter; tests/unit/test_bounce_stream.py has the seam)."""
    kit = load_default_kit()
    p = demo_pattern()
    p.set_bpm(105)  # 6300 samples a step: every pass starts on a whole sample
    total = loop_samples(p, SR, 1)
    engine = Engine(kit, use_device=False, clock_speed=0, block_size=441)
    engine.set_pattern(p)
    got = _blocks(engine)
    engine.start()
    wait_for(lambda: sum(len(b) for b in got) > 3 * total, 20)
    engine.stop()
    live = np.concatenate(got)
    assert np.allclose(live[2 * total : 3 * total], bounce(p, kit, 1, SR), atol=1e-6)


# ---- mixing -------
def test_velocity_scales_gain() -> None:
    p = pattern_with(Track("C", "click", [127, 64, 32, 1] * 4, volume=1.0))
    out = bounce(p, click_kit(), 1, SR)
    peaks = out[onsets(out)[:4], 0]
    assert np.allclose(peaks, MASTER_GAIN * CENTRE * np.array([127, 64, 32, 1]) / 127)


@pytest.mark.parametrize("pan", [-1.0, -0.5, 0.0, 0.3, 1.0])
def test_constant_power_pan_and_volume(pan: float) -> None:
    p = pattern_with(Track("C", "click", [127] + [0] * 15, volume=0.5, pan=pan))
    out = bounce(p, click_kit(), 1, SR)
    left, right = out[0]
    assert left**2 + right**2 == pytest.approx((0.5 * MASTER_GAIN) ** 2, rel=1e-5)
    if pan == -1.0:
        assert right == pytest.approx(0, abs=1e-7)
    if pan == 1.0:
        assert left == pytest.approx(0, abs=1e-7)
    if pan > 0:
        assert right > left


def test_mute_and_solo() -> None:
    a = Track("A", "a", [127] + [0] * 15, volume=1.0)
    b = Track("B", "b", [0, 127] + [0] * 14, volume=1.0)
    c = Track("C", "c", [0, 0, 127] + [0] * 13, volume=1.0)
    kit = click_kit(a=[1.0], b=[1.0], c=[1.0])
    p = pattern_with(a, b, c, bpm=120)
    s1, s2 = 5512, 11025  # round(5512.5) (to even) and round(11025.0)
    assert onsets(bounce(p, kit, 1, SR)) == [0, s1, s2]
    p.set_mute(1, True)
    assert onsets(bounce(p, kit, 1, SR)) == [0, s2]
    p.set_solo(1, True)  # solo wins over mute, and silences the others
    assert onsets(bounce(p, kit, 1, SR)) == [s1]
    p.set_solo(2, True)
    assert onsets(bounce(p, kit, 1, SR)) == [s1, s2]


def test_closed_hat_chokes_the_open_hat() -> None:
    long = np.full(SR, 0.25, np.float32)
    kit = click_kit(open_hat=long, closed_hat=np.array([1.0], np.float32))
    opened = Track("OH", "open_hat", [127] + [0] * 15, volume=1.0)
    closed = Track("CH", "closed_hat", [0] * 4 + [127] + [0] * 11, volume=1.0)
    p = pattern_with(opened, closed, bpm=120)
    out = bounce(p, kit, 1, SR)[:, 0]
    cut = round(4 * SR * 60 / 480)
    level = 0.25 * MASTER_GAIN * CENTRE
    assert np.allclose(out[:cut], level)  # rings until the closed hat
    assert out[cut] > level  # the closed hat itself
    assert np.all(np.diff(out[cut + 1 : cut + CHOKE_FADE]) < 0)  # a short fade, not a click
    assert np.all(out[cut + CHOKE_FADE :] == 0)  # then silence
    # Without the closed hat the open hat rings on.
    p.tracks[1].steps[4] = 0
    assert np.allclose(bounce(p, kit, 1, SR)[:SR, 0], level)


def test_open_hat_on_the_same_step_as_a_closed_hat_still_sounds() -> None:
    kit = click_kit(open_hat=np.full(1000, 0.25, np.float32), closed_hat=np.array([1.0]))
    p = pattern_with(
        Track("CH", "closed_hat", [127] + [0] * 15, volume=1.0),
        Track("OH", "open_hat", [127] + [0] * 15, volume=1.0),
        bpm=120,
    )
    out = bounce(p, kit, 1, SR)[:, 0]
    assert np.count_nonzero(out) == 1000


def test_limiter_keeps_everything_below_full_scale() -> None:
    loud = np.ones(2000, np.float32)
    kit = click_kit(**{f"s{i}": loud for i in range(8)})
    tracks = [Track(f"T{i}", f"s{i}", [127] * 16, volume=1.0, pan=(i - 4) / 4) for i in range(8)]
    out = bounce(pattern_with(*tracks), kit, 2, SR)
    assert np.max(np.abs(out)) <= LIMIT_CEILING < 1.0
    # Quiet material passes untouched.
    x = np.linspace(-LIMIT_THRESHOLD, LIMIT_THRESHOLD, 101, dtype=np.float32)
    assert np.array_equal(soft_limit(x.copy()), x)
    # And the limiter is monotonic (no fold-over distortion).
    y = soft_limit(np.linspace(0, 20, 1001, dtype=np.float32))
    assert np.all(np.diff(y) >= 0) and y[-1] <= LIMIT_CEILING


def test_default_kit_demo_render_is_sane() -> None:
    out = bounce(demo_pattern(), load_default_kit(), 2, SR)
    assert np.all(np.isfinite(out))
    assert 0.3 < np.max(np.abs(out)) <= LIMIT_CEILING
    rms = np.sqrt(np.mean(out**2))
    assert 0.05 < rms < 0.5


def test_missing_sample_is_an_error_offline_and_a_notice_live() -> None:
    p = pattern_with(every_step(sample="cowbell"))
    with pytest.raises(KitError, match="'cowbell'"):
        bounce(p, click_kit(), 1, SR)
    missing: list[str] = []
    seq = Sequencer(click_kit(), SR, on_missing_sample=missing.append)
    seq.set_pattern(p)
    assert not seq.render(SR).any()
    assert missing == ["cowbell"]


def test_bad_loop_counts() -> None:
    with pytest.raises(ValueError, match="loops"):
        bounce(demo_pattern(), click_kit(), 0, SR)


# ---- live edits -------
def test_edits_take_effect_at_the_next_step_without_cutting_voices() -> None:
    ring = np.full(20000, 0.1, np.float32)
    p = pattern_with(Track("R", "ring", [127] * 16, volume=1.0), bpm=120)
    seq = Sequencer(click_kit(ring=ring), SR)
    seq.set_pattern(p)
    sps = SR * 60 / 480
    first = seq.render(1000)  # step 0 started at 0
    edited = p.copy()
    edited.set_volume(0, 0.5)
    edited.tracks[0].steps[2] = 0
    seq.set_pattern(edited)
    rest = seq.render(round(4 * sps))
    out = np.concatenate([first, rest])[:, 0]
    unit = 0.1 * MASTER_GAIN * CENTRE
    s1, s3 = round(sps), round(3 * sps)
    assert np.allclose(out[:s1], unit)  # step 0 at full volume, untouched by the edit
    assert np.allclose(out[s1:s3], unit * 1.5)  # + step 1 at half volume; step 2 is off
    assert np.allclose(out[s3 : s3 + 100], unit * 2.0)  # + step 3 at half volume


def test_tempo_change_continues_from_the_next_step() -> None:
    p = pattern_with(every_step(), bpm=120)
    seq = Sequencer(click_kit(), SR)
    seq.set_pattern(p)
    a = seq.render(12000)  # steps 0, 1, 2 (at 0, 5512, 11025)
    faster = p.copy()
    faster.set_bpm(240)
    seq.set_pattern(faster)
    b = seq.render(12000)
    got = onsets(np.concatenate([a, b]))
    # Step 3 falls where it would have at 120 BPM; from there on steps are half as long.
    assert got[:5] == [0, 5512, 11025, 16538, 16538 + 2756]


def test_length_change_wraps_the_position() -> None:
    p = pattern_with(Track("C", "click", list(range(1, 17)), volume=1.0), bpm=120)
    seq = Sequencer(click_kit(), SR)
    seq.set_pattern(p)
    seq.render(round(10.5 * SR * 60 / 480))  # steps 0..10 scheduled, next is 11
    shorter = p.copy()
    shorter.set_length(8)
    seq.set_pattern(shorter)
    seq.render(round(2 * SR * 60 / 480))
    assert [m.step for m in seq.marks][-2:] == [3, 4]  # 11 % 8 == 3


# ---- the real-time engine -------
def _blocks(engine: Engine) -> list[np.ndarray]:
    got: list[np.ndarray] = []
    engine.add_block_listener(got.append)
    return got


def wait_for(condition, timeout: float = 5.0) -> None:
    """Poll a condition instead of sleeping a fixed time that a busy machine may not honour."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def _seconds(blocks: list[np.ndarray]) -> float:
    return sum(len(b) for b in blocks) / SR


def test_clock_paced_engine_plays_in_real_time_and_reports_the_step() -> None:
    engine = Engine(click_kit(), use_device=False, block_size=512)
    p = pattern_with(every_step(), bpm=120)
    engine.set_pattern(p)
    got = _blocks(engine)
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
    got = _blocks(engine)
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
    got = _blocks(engine)
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
    got = _blocks(engine)
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
