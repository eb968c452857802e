"""The metronome: a click on every beat, a higher one on the first beat of the bar.

Clicks are scheduled by the sequencer on the same steps it plays (so they follow tempo
changes and swing exactly) but mixed into their own buffer: the engine adds them to what
the speakers get and, unless asked, not to what the recorder gets. A musician hears the
click; the take does not contain it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BEATS_PER_BAR = 4
CLICK_SECONDS = 0.025
BEAT_HZ = 1000.0
ACCENT_HZ = 1600.0


@dataclass(frozen=True)
class MetronomeSettings:
    """``volume`` 0-1 is the click's own level (not the master's); ``record`` puts the
    click into recordings too (off by default)."""

    enabled: bool = False
    volume: float = 0.5
    record: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError(f"metronome volume: {self.volume} is outside 0-1")


def click(sample_rate: int, accent: bool) -> np.ndarray:
    """A short decaying sine burst, (n, 2) float32 peaking at 1 (accent) or 0.7."""
    n = round(CLICK_SECONDS * sample_rate)
    t = np.arange(n) / sample_rate
    tone = np.cos(2 * np.pi * (ACCENT_HZ if accent else BEAT_HZ) * t)
    envelope = np.exp(-t / (CLICK_SECONDS / 5))
    ramp = min(32, n)  # a short fade-in: a soft edge, yet sounding from the beat's sample
    envelope[:ramp] *= np.linspace(1.0 / ramp, 1.0, ramp)
    shaped = tone * envelope
    mono = (shaped / np.abs(shaped).max() * (1.0 if accent else 0.7)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def beat_of(step: int, steps_per_beat: int) -> tuple[bool, bool]:
    """(is a beat, is the first beat of a bar) for a step of the pattern."""
    if steps_per_beat < 1 or step % steps_per_beat:
        return False, False
    return True, step % (steps_per_beat * BEATS_PER_BAR) == 0
