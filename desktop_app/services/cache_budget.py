"""One cache figure for the musician: Settings' cache limit covers everything this
machine keeps to play without asking the server — the recordings (the audio cache) and
the sounds patterns play (the sample cache) — together.

Split in fixed shares rather than shared on demand, so each cache trims itself alone,
predictably: a quarter for sounds (at the default 1 GiB, 256 MiB, the own samples of a
great many patterns: a drum hit is a few hundred KB), the rest for recordings. Either
cache may still pass its share by what it must keep: your own takes, the open pattern's
sounds.
"""

from __future__ import annotations

MIB = 1024 * 1024
SAMPLE_SHARE_DIVISOR = 4  # the sounds get a quarter of the limit


def sample_cap_bytes(limit_mb: int) -> int:
    """The sample cache's cap for a cache limit of ``limit_mb`` MiB."""
    return int(limit_mb) * MIB // SAMPLE_SHARE_DIVISOR


def size_text(n: int) -> str:
    """A byte count as people read it: "128.0 MiB", "10 KiB"."""
    if n >= 1024 * MIB:
        return f"{n / (1024 * MIB):.2f} GiB"
    if n >= MIB:
        return f"{n / MIB:.1f} MiB"
    return f"{n / 1024:.0f} KiB" if n >= 1024 else f"{n} B"


def render_cap_bytes(limit_mb: int) -> int:
    """The audio cache's cap: what the sounds' share leaves of the limit."""
    return int(limit_mb) * MIB - sample_cap_bytes(limit_mb)


__all__ = ["MIB", "SAMPLE_SHARE_DIVISOR", "render_cap_bytes", "sample_cap_bytes", "size_text"]
