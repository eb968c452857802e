"""The server's ``Retry-After``: how long it asked us to wait before asking again.

A 429 (too many messages a minute, too many uploads at once, too many failed token
checks) or a 503 says when the server will take the request; retrying on our own shorter
schedule only earns another refusal, and counts against the same limit. RFC 9110 gives
the value as whole seconds or as an HTTP date. A value beyond ``MAX_WAIT_S`` is cut to it:
a misconfigured proxy must not park a message for a day.
"""

from __future__ import annotations

import math
import time
from datetime import UTC
from email.utils import parsedate_to_datetime

MAX_WAIT_S = 600.0  # ten minutes: longer than any of our server's own limits


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from ``now`` (epoch seconds; the clock by default), within
    0..``MAX_WAIT_S``; ``None`` when there is no usable value (absent or malformed)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000" and obsolete forms: GMT, as HTTP dates are
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return min(MAX_WAIT_S, max(0.0, seconds))
