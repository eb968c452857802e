"""Who the token is, learned during a session: the session's "you" follows at once.

A start without the server (and nothing remembered for this token) knows only the name
in Settings. The server is asked on a worker whenever it answers (at start, when the
connection comes back, after a delivery stage — the delivery may have asked first), and
``learned(name)`` says so on the GUI thread, where the session re-marks its rows. The
answer is kept: asking again costs nothing once it is known.
"""

from __future__ import annotations

import logging
from pathlib import Path

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
        self.identity = TokenIdentity(api, known, file)
        self._said = known

    def ask(self) -> None:
        """Ask the server now (on a worker) unless it already said; a failure waits for
        the next time the server answers."""
        self._tasks.submit(
            self.identity.learn,
            on_done=self._answered,
            on_error=lambda exc: log.info("who this token is, not known yet: %s", exc),
            context=self,
        )

    def _answered(self, name: str) -> None:
        if name and name != self._said:
            self._said = name
            self.learned.emit(name)
