"""Whether an open event stream may still carry its user's events.

A token is checked when a stream opens, but a stream lives for hours: a user revoked
meanwhile (``sequencer-server users revoke``, usually another process) must stop receiving
private messages, with fresh signed URLs, at once. So the stream asks the store again
— when the broker saw the store count a revocation (``events.RECHECK``, which comes before
any change made after it), before a frame when the last check is over a second old, and
every few seconds while idle — and ends when the token no longer names its user. The
shared ``API_TOKEN`` comes from the environment and cannot be revoked while the process
runs, so its streams are never checked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sequencer_server.users import User

log = logging.getLogger("sequencer_server.events")

# A frame is sent only within this long after its user was last found valid.
FRAME_CHECK_S = 1.0
# An idle stream asks again this often (the safety net for stores whose change signal
# does not see a revocation).
IDLE_CHECK_S = 5.0


class StreamAccess:
    def __init__(
        self,
        identify: Callable[[str], User | None],
        token: str | None,
        user: User,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._identify = identify
        self._token = token
        self.user = user
        self._clock = clock
        self._checked_at = clock()

    @property
    def checked(self) -> bool:
        """False for the service token: nothing to check again."""
        return not self.user.service and self._token is not None

    def idle_check_in(self) -> float | None:
        """Seconds until the idle check is due (None: never)."""
        if not self.checked:
            return None
        return max(0.0, self._checked_at + IDLE_CHECK_S - self._clock())

    async def still_allowed(self, *, now: bool = False) -> bool:
        """True while the token still names the stream's user. Asks the store when
        ``now``, or when the last answer is older than ``FRAME_CHECK_S``."""
        if not self.checked:
            return True
        if not now and self._clock() - self._checked_at < FRAME_CHECK_S:
            return True
        assert self._token is not None
        user = await asyncio.to_thread(self._identify, self._token)
        self._checked_at = self._clock()
        if user is None or user.name != self.user.name:
            log.info("🔒 Closing an event stream of %s: its token was revoked", self.user.name)
            return False
        self.user = user  # an admin made a plain user sees only what a user sees
        return True
