"""Whether an open event stream may still carry its user's events.

A token is checked when a stream opens, but a stream lives for hours: a user revoked
meanwhile (``sequencer-server users revoke``, usually another process) must stop receiving
private messages, with fresh signed URLs, at once. Every revocation moves the store's
revocation counter, and the event broker reads that counter once per read of the change
sequence for all of its streams (``events.Broker.revocations``), before the changes it
hands out; it queues ``events.RECHECK`` to every stream when the counter moved. So a
stream asks the store about its token only when the counter it last checked against has
moved — on the recheck, or before a frame if the broker saw the move first — and ends
when the token no longer names its user. Idle streams of users nobody revoked cost the
store nothing (they used to ask every few seconds each, and before frames every second).

A stream's first check comes after it subscribed to the broker: the counter the broker
held then may already count a revocation made after the request's token was checked.
The shared ``API_TOKEN`` comes from the environment and cannot be revoked while the
process runs, so its streams are never checked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sequencer_server.users import User

log = logging.getLogger("sequencer_server.events")


class StreamAccess:
    def __init__(
        self,
        identify: Callable[[str], User | None],
        token: str | None,
        user: User,
        revocations: Callable[[], int | None],
    ) -> None:
        """``revocations``: the store's revocation counter as the broker last read it."""
        self._identify = identify
        self._token = token
        self.user = user
        self._revocations = revocations
        self._checked_at: int | None = None  # the counter of the last check; None: never

    @property
    def checked(self) -> bool:
        """False for the service token: nothing to check again."""
        return not self.user.service and self._token is not None

    async def still_allowed(self) -> bool:
        """True while the token still names the stream's user; asks the store only when
        the revocation counter moved since the last answer."""
        if not self.checked:
            return True
        counter = self._revocations()
        if counter is not None and counter == self._checked_at:
            return True
        assert self._token is not None
        user = await asyncio.to_thread(self._identify, self._token)
        self._checked_at = counter
        if user is None or user.name != self.user.name:
            log.info("🔒 Closing an event stream of %s: its token was revoked", self.user.name)
            return False
        self.user = user
        return True
