"""A one-sample click kit and patterns of it: every hit is one non-zero sample, so where
and how loud each hit lands can be read off the rendered audio exactly."""

from __future__ import annotations

import time

import numpy as np

from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import Kit
from desktop_app.domain.pattern import Pattern
from desktop_app.domain.track import Track

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


def blocks_of(engine: Engine) -> list[np.ndarray]:
    got: list[np.ndarray] = []
    engine.add_block_listener(got.append)
    return got


def wait_for(condition, timeout: float = 5.0) -> None:
    """Poll a condition instead of sleeping a fixed time that a busy machine may not honour."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)
