"""Reading the server's Retry-After: whole seconds or an HTTP date, cut to a sane
maximum, nothing for a value that is neither."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from desktop_app.services.retry_after import MAX_WAIT_S, retry_after_seconds

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("37", 37.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("86400", MAX_WAIT_S),  # a day: cut to the maximum
        (formatdate(NOW + 90, usegmt=True), 90.0),
        (formatdate(NOW - 30, usegmt=True), 0.0),  # already past: now
        (formatdate(NOW + 3 * 86400, usegmt=True), MAX_WAIT_S),
    ],
)
def test_seconds_and_dates(value: str, seconds: float) -> None:
    assert retry_after_seconds(value, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "Mon, 99 Foo 2026 25:61:00 GMT"])
def test_nothing_usable(value: str | None) -> None:
    assert retry_after_seconds(value, NOW) is None
