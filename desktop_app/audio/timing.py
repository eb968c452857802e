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


def bar_steps(pattern: Pattern, beats_per_bar: int = 4) -> int:
    return pattern.steps_per_beat * beats_per_bar


def bar_frames(pattern: Pattern, sample_rate: int, bars: int) -> int:
    """Where bar ``bars`` starts, counted from a step 0 (the same rounding as the steps)."""
    return round(bars * bar_steps(pattern) * samples_per_step(pattern, sample_rate))


def next_bar_line(pattern: Pattern, sample_rate: int, frames: int) -> int:
    """The first bar line at or after ``frames`` (counted from a step 0)."""
    per_bar = bar_steps(pattern) * samples_per_step(pattern, sample_rate)
    bars = max(0, int(frames // per_bar) - 1)
    while bar_frames(pattern, sample_rate, bars) < frames:
        bars += 1
    return bar_frames(pattern, sample_rate, bars)


def bars_beats(pattern: Pattern, sample_rate: int, frames: int) -> str:
    """A take clock in bars.beats, both from 1 ("1.1" at the start, "3.2" = bar 3 beat 2)."""
    beat = int(frames // (pattern.steps_per_beat * samples_per_step(pattern, sample_rate)))
    return f"{beat // 4 + 1}.{beat % 4 + 1}"
