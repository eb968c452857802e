"""Where steps fall, in samples. The engine and the bounce share these, so
"sample-accurate" means the same thing in both (the tests check it against the spec,
computed on their own):

    step k of pass p starts at round((p * length + k) * samples_per_step)
    plus round(swing * samples_per_step) when k is odd (every second step).
"""

from __future__ import annotations

from desktop_app.domain.pattern import Pattern


def samples_per_step(pattern: Pattern, sample_rate: int) -> float:
    return sample_rate * 60.0 / (pattern.bpm * pattern.steps_per_beat)


def loop_samples(pattern: Pattern, sample_rate: int, loops: int = 1) -> int:
    """The exact length of ``loops`` passes: the (unswung) start of the next pass."""
    return round(loops * pattern.length * samples_per_step(pattern, sample_rate))
