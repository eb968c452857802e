"""Mixing rules of the render: velocity, constant-power pan, mute and solo, choke groups,
the limiter, and a missing sample."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.audio.bounce import OfflineRender, bounce
from desktop_app.audio.kit import KitError, load_default_kit
from desktop_app.audio.sequencer import (
    CHOKE_FADE,
    LIMIT_CEILING,
    LIMIT_THRESHOLD,
    MASTER_GAIN,
    Sequencer,
    soft_limit,
)
from desktop_app.domain.pattern import demo_pattern
from desktop_app.domain.track import Track
from tests.unit.click_patterns import CENTRE, SR, click_kit, every_step, onsets, pattern_with


def test_velocity_scales_gain() -> None:
    p = pattern_with(Track("C", "click", [127, 64, 32, 1] * 4, volume=1.0))
    out = bounce(OfflineRender(p, click_kit(), 1, SR))
    peaks = out[onsets(out)[:4], 0]
    assert np.allclose(peaks, MASTER_GAIN * CENTRE * np.array([127, 64, 32, 1]) / 127)


@pytest.mark.parametrize("pan", [-1.0, -0.5, 0.0, 0.3, 1.0])
def test_constant_power_pan_and_volume(pan: float) -> None:
    p = pattern_with(Track("C", "click", [127] + [0] * 15, volume=0.5, pan=pan))
    out = bounce(OfflineRender(p, click_kit(), 1, SR))
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
    assert onsets(bounce(OfflineRender(p, kit, 1, SR))) == [0, s1, s2]
    p.set_mute(1, True)
    assert onsets(bounce(OfflineRender(p, kit, 1, SR))) == [0, s2]
    p.set_solo(1, True)  # solo wins over mute, and silences the others
    assert onsets(bounce(OfflineRender(p, kit, 1, SR))) == [s1]
    p.set_solo(2, True)
    assert onsets(bounce(OfflineRender(p, kit, 1, SR))) == [s1, s2]


def test_closed_hat_chokes_the_open_hat() -> None:
    long = np.full(SR, 0.25, np.float32)
    kit = click_kit(open_hat=long, closed_hat=np.array([1.0], np.float32))
    opened = Track("OH", "open_hat", [127] + [0] * 15, volume=1.0)
    closed = Track("CH", "closed_hat", [0] * 4 + [127] + [0] * 11, volume=1.0)
    p = pattern_with(opened, closed, bpm=120)
    out = bounce(OfflineRender(p, kit, 1, SR))[:, 0]
    cut = round(4 * SR * 60 / 480)
    level = 0.25 * MASTER_GAIN * CENTRE
    assert np.allclose(out[:cut], level)  # rings until the closed hat
    assert out[cut] > level  # the closed hat itself
    assert np.all(np.diff(out[cut + 1 : cut + CHOKE_FADE]) < 0)  # a short fade, not a click
    assert np.all(out[cut + CHOKE_FADE :] == 0)  # then silence
    # Without the closed hat the open hat rings on.
    p.tracks[1].steps[4] = 0
    assert np.allclose(bounce(OfflineRender(p, kit, 1, SR))[:SR, 0], level)


def test_open_hat_on_the_same_step_as_a_closed_hat_still_sounds() -> None:
    kit = click_kit(open_hat=np.full(1000, 0.25, np.float32), closed_hat=np.array([1.0]))
    p = pattern_with(
        Track("CH", "closed_hat", [127] + [0] * 15, volume=1.0),
        Track("OH", "open_hat", [127] + [0] * 15, volume=1.0),
        bpm=120,
    )
    out = bounce(OfflineRender(p, kit, 1, SR))[:, 0]
    assert np.count_nonzero(out) == 1000


def test_limiter_keeps_everything_below_full_scale() -> None:
    loud = np.ones(2000, np.float32)
    kit = click_kit(**{f"s{i}": loud for i in range(8)})
    tracks = [Track(f"T{i}", f"s{i}", [127] * 16, volume=1.0, pan=(i - 4) / 4) for i in range(8)]
    out = bounce(OfflineRender(pattern_with(*tracks), kit, 2, SR))
    assert np.max(np.abs(out)) <= LIMIT_CEILING < 1.0
    # Quiet material passes untouched.
    x = np.linspace(-LIMIT_THRESHOLD, LIMIT_THRESHOLD, 101, dtype=np.float32)
    assert np.array_equal(soft_limit(x.copy()), x)
    # And the limiter is monotonic (no fold-over distortion).
    y = soft_limit(np.linspace(0, 20, 1001, dtype=np.float32))
    assert np.all(np.diff(y) >= 0) and y[-1] <= LIMIT_CEILING


def test_default_kit_demo_render_is_sane() -> None:
    out = bounce(OfflineRender(demo_pattern(), load_default_kit(), 2, SR))
    assert np.all(np.isfinite(out))
    assert 0.3 < np.max(np.abs(out)) <= LIMIT_CEILING
    rms = np.sqrt(np.mean(out**2))
    assert 0.05 < rms < 0.5


def test_missing_sample_is_an_error_offline_and_a_notice_live() -> None:
    p = pattern_with(every_step(sample="cowbell"))
    with pytest.raises(KitError, match="'cowbell'"):
        bounce(OfflineRender(p, click_kit(), 1, SR))
    missing: list[str] = []
    seq = Sequencer(click_kit(), SR, on_missing_sample=missing.append)
    seq.set_pattern(p)
    assert not seq.render(SR).any()
    assert missing == ["cowbell"]


def test_bad_loop_counts() -> None:
    with pytest.raises(ValueError, match="loops"):
        bounce(OfflineRender(demo_pattern(), click_kit(), 0, SR))
