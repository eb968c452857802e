"""The offline bounce as a stream: the loop seam, cost and memory that do not grow with
the length of the render (issue 16, defects 1-3)."""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np

from desktop_app.audio.bounce import OfflineRender, bounce, bounce_blocks, bounce_frames
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import Kit, load_default_kit
from desktop_app.audio.sequencer import CHOKE_FADE, MASTER_GAIN, Sequencer
from desktop_app.audio.timing import loop_samples
from desktop_app.domain.pattern import Pattern, demo_pattern
from desktop_app.domain.track import Track

SR = 44100
BPM = 105.0  # 6300 samples a step: every pass starts on a whole sample
STEP = 6300
CENTRE = np.sqrt(0.5)


def hat_kit(ring_frames: int) -> Kit:
    return Kit(
        "hats",
        SR,
        {
            "open_hat": np.full(ring_frames, 0.25, np.float32),
            "closed_hat": np.array([0.5], np.float32),
            "kick": np.ones(2000, np.float32),  # loud: the limiter works across the seam
        },
    )


def seam_pattern() -> Pattern:
    return Pattern(
        bpm=BPM,
        length=16,
        tracks=[
            Track("CH", "closed_hat", [127] + [0] * 15, volume=1.0),
            Track("OH", "open_hat", [0] * 12 + [127] + [0] * 3, volume=1.0),
            Track("K", "kick", [127, 0, 0, 0] * 3 + [0, 0, 0, 127], volume=1.0),
        ],
    )


def live_passes(kit: Kit, pattern: Pattern, passes: int, block: int = 512) -> np.ndarray:
    """What the clock-driven engine plays, from its start, at least ``passes`` passes."""
    engine = Engine(kit, use_device=False, clock_speed=0, block_size=block)
    engine.set_pattern(pattern)
    got: list[np.ndarray] = []
    enough = threading.Event()
    need = loop_samples(pattern, SR, passes)

    def take(b: np.ndarray) -> None:
        got.append(b.copy())
        if sum(len(x) for x in got) >= need:
            enough.set()

    engine.add_block_listener(take)
    engine.start()
    assert enough.wait(30)
    engine.stop()
    return np.concatenate(got)[:need]


def test_closed_hat_on_step_0_cuts_the_open_hat_ringing_across_the_seam() -> None:
    kit = hat_kit(3 * 16 * STEP // 2)  # rings for a pass and a half
    one = bounce(OfflineRender(seam_pattern(), kit, 1, SR))[:, 0]
    # Between the closed hat's fade and the next open hat only the kicks sound: the tail
    # folded over from the end of the pass was cut by step 0, as it is live.
    gap = one[CHOKE_FADE + 1 : 12 * STEP]
    kicks = np.zeros(len(one), bool)
    for k in (0, 4, 8):
        kicks[k * STEP : k * STEP + 2000] = True
    assert not gap[~kicks[CHOKE_FADE + 1 : 12 * STEP]].any()
    # (up to the limiter's look-ahead before the loud kick on step 15)
    assert np.allclose(one[12 * STEP + 2000 : 15 * STEP - 64], 0.25 * MASTER_GAIN * CENTRE)


def test_one_loop_file_is_the_steady_state_pass_of_the_live_engine() -> None:
    kit = hat_kit(3 * 16 * STEP // 2)
    p = seam_pattern()
    total = loop_samples(p, SR, 1)
    live = live_passes(kit, p, 4, block=512)
    one = bounce(OfflineRender(p, kit, 1, SR))
    assert np.max(np.abs(live[3 * total : 4 * total] - one)) <= 1e-6
    # and so is every pass of a longer file, with the default kit's demo groove too
    three = bounce(OfflineRender(p, kit, 3, SR))
    for k in range(3):
        assert np.max(np.abs(three[k * total : (k + 1) * total] - one)) <= 1e-6
    demo = demo_pattern()
    demo.set_bpm(BPM)
    default = load_default_kit()
    live = live_passes(default, demo, 3, block=300)
    assert np.max(np.abs(live[2 * total :] - bounce(OfflineRender(demo, default, 1, SR)))) <= 1e-6


def test_blocks_add_up_to_the_exact_length_whatever_the_block_size() -> None:
    p = seam_pattern()
    kit = hat_kit(40000)
    whole = bounce(OfflineRender(p, kit, 2, SR))
    assert len(whole) == bounce_frames(p, 2, SR) == 2 * 16 * STEP
    for block in (1000, 4097, 65536):
        blocks = list(bounce_blocks(OfflineRender(p, kit, 2, SR), block=block))
        assert max(len(b) for b in blocks) <= block
        assert np.max(np.abs(np.concatenate(blocks) - whole)) <= 1e-6


def test_bounce_work_per_loop_does_not_grow_with_the_length() -> None:
    """The choke used to scan every voice triggered so far: 8x the loops took ~25x the
    time. Now only voices that can still be sounding are kept where a choke looks, so the
    work per step is bounded by what rings, not by how long the render has run. Counted,
    not timed (``python -m benchmarks bounce`` times it): after 256 loops of a closed hat
    on every step, the lists a choke scans hold no more than after one loop."""
    p = demo_pattern()
    p.tracks[3].steps = [100] * 16  # a closed hat on every step: a choke every step
    p.tracks[4].steps = [90] * 16
    seq = Sequencer(load_default_kit(), SR)
    seq.set_pattern(p)
    loop = loop_samples(p, SR)
    seq.render(loop)
    after_one = max(map(len, seq._groups.values())), len(seq.voices)
    for _ in range(255):
        seq.render(loop)
    after_many = max(map(len, seq._groups.values())), len(seq.voices)
    assert after_many[0] <= after_one[0] + 2 and after_many[1] <= after_one[1] + 8, (
        after_one,
        after_many,
    )


def test_bounce_memory_does_not_grow_with_the_length() -> None:
    p = demo_pattern()
    kit = load_default_kit()

    def peak(loops: int) -> int:
        tracemalloc.start()
        try:
            frames = sum(len(b) for b in bounce_blocks(OfflineRender(p, kit, loops, SR)))
            assert frames == bounce_frames(p, loops, SR)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(8), peak(256)  # 16 s and 8.4 min of audio
    assert large <= small * 1.2 + 1_000_000, (small, large)
    assert large < 20_000_000
