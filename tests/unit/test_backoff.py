"""The outbox's retry backoff: doubling from a second up to a minute, with jitter below."""

from __future__ import annotations

import random

from desktop_app.services.delivery import BACKOFF_BASE, BACKOFF_CAP, backoff_delay


class _Top(random.Random):
    """Always the top of the jitter range: the ceiling itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


class _Bottom(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


def test_backoff_doubles_up_to_the_cap() -> None:
    ceilings = [backoff_delay(n, _Top()) for n in range(1, 10)]
    assert ceilings[:4] == [BACKOFF_BASE, 2 * BACKOFF_BASE, 4 * BACKOFF_BASE, 8 * BACKOFF_BASE]
    assert max(ceilings) == BACKOFF_CAP and ceilings[-1] == BACKOFF_CAP
    assert ceilings == sorted(ceilings)


def test_jitter_stays_within_half_to_the_whole_ceiling() -> None:
    for n in range(1, 10):
        ceiling = backoff_delay(n, _Top())
        assert backoff_delay(n, _Bottom()) == ceiling / 2
        assert ceiling / 2 <= backoff_delay(n) <= ceiling
