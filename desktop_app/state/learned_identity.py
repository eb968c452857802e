"""Who the token is, learned during a session: the session's "you" follows at once.

A start without the server (and nothing remembered for this token) knows only the name
in Settings. The server is asked as soon as it answers (at start, and whenever the
connection comes back), and the delivery worker may ask first, before a send; either
way ``learned(name)`` reaches the GUI thread, where the session re-marks its rows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.services.api import ApiClient
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.token_identity import TokenIdentity

log = logging.getLogger(__name__)


class LearnedIdentity(QObject):
    """``LearnedIdentity(api, known, file, tasks)``: ``identity`` is the ``TokenIdentity``
    the delivery stamps messages with; ``learned(name)`` once the server names the token."""

    learned = Signal(str)

    def __init__(
        self,
        api: ApiClient,
        known: str,
        file: Path | None,
        tasks: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        # emitted on whichever thread asked: a queued signal to the GUI thread
        self.identity = TokenIdentity(api, known, file, learned=self.learned.emit)

    def ask(self, context: QObject, *_changed: Any) -> None:
        """Ask the server now (on a worker) unless it already said; a failure waits for
        the next time the server answers."""
        self._tasks.submit(
            self.identity.learn,
            on_error=lambda exc: log.info("who this token is, not known yet: %s", exc),
            context=context,
        )
