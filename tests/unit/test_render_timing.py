"""Sample accuracy of the render: every hit where the spec puts it, passes that loop
seamlessly, and edits that land at the next step."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.audio.bounce import OfflineRender, bounce
from desktop_app.audio.sequencer import MASTER_GAIN, Sequencer, soft_limit
from desktop_app.audio.timing import loop_samples
from desktop_app.domain.track import Track
from tests.unit.click_patterns import (
    CENTRE,
    SR,
    click_kit,
    every_step,
    expected_onsets,
    onsets,
    pattern_with,
)


@pytest.mark.parametrize(
    ("bpm", "swing", "length"),
    [(122.0, 0.0, 16), (122.0, 0.3, 16), (97.3, 0.75, 12), (300.0, 0.5, 7)],
)
def test_bounce_onsets_are_sample_exact(bpm, swing, length) -> None:
    p = pattern_with(every_step(length), bpm=bpm, swing=swing, length=length)
    out = bounce(OfflineRender(p, click_kit(), 3, SR))
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
    assert np.array_equal(live, bounce(OfflineRender(p, click_kit(), 3, SR)))


@pytest.mark.parametrize(
    ("bpm", "length", "loops"), [(120, 16, 64), (122, 16, 5), (87.5, 13, 3), (20, 1, 1)]
)
def test_bounce_is_exactly_n_passes(bpm, length, loops) -> None:
    p = pattern_with(every_step(length), bpm=bpm, length=length)
    out = bounce(OfflineRender(p, click_kit(), loops, SR))
    assert out.shape == (round(loops * p.pass_seconds * SR), 2)
    assert out.dtype == np.float32


def test_tail_folds_into_the_start_so_the_render_loops() -> None:
    ring = np.exp(-np.arange(3 * SR) / (0.5 * SR)).astype(np.float32) * 0.5
    p = pattern_with(Track("Ring", "ring", [0] * 15 + [127], volume=1.0), bpm=120)
    one = bounce(OfflineRender(p, click_kit(ring=ring), 1, SR))
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
    four = bounce(OfflineRender(p, click_kit(ring=ring), 4, SR))
    for k in range(1, 4):
        assert np.allclose(four[k * total : (k + 1) * total], four[:total], atol=1e-6)


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
