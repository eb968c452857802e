"""How lengths and loop counts read, the same on every row, player and status bar.

One rule for a clock: whole seconds cut, never rounded, as media players count. The
elapsed time reaches "0:06" only once six seconds have played, and a total cut the same
way is where the elapsed time stops: a 6.467 s take is "0:06 / 0:06" at its end, never
"0:06" on one row and "0:07" on another.

A take's loop count is what it holds: a take stopped part-way through its third pass is
"2.6 loops", not "3 loops"; within a few hundredths of a whole number it is whole.
"""

from __future__ import annotations

import math

WHOLE_WITHIN = 0.05  # of a pass: a take this close to whole passes is whole


def clock_text(seconds: float | None) -> str:
    """ "m:ss", whole seconds cut; "" for no length."""
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return ""
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def loops_held(duration_s: float, pass_s: float) -> float | None:
    """Passes of the pattern in a take ``duration_s`` long, to one decimal (whole when
    it is within ``WHOLE_WITHIN`` of a whole number); None when either is unknown."""
    if not (duration_s > 0 and pass_s > 0) or math.isinf(duration_s / pass_s):
        return None
    loops = duration_s / pass_s
    whole = round(loops)
    if whole >= 1 and abs(loops - whole) <= WHOLE_WITHIN:
        return float(whole)
    return max(0.1, round(loops, 1))


def loops_text(loops: float) -> str:
    """ "4 loops", "2.6 loops", "1 loop"."""
    number = f"{loops:g}" if loops == int(loops) else f"{loops:.1f}"
    return f"{number} loop" + ("" if loops == 1 else "s")
