"""The grid written to disk shortly after every change, so a crash loses at most the last
second or two of work (as Hydrogen's autosave), not everything since the last quit.

Edits come in bursts (a drag paints a step per mouse move, a wheel turn changes a velocity
per notch): the first change of a burst starts a timer and the pattern is written once when
it fires, so the disk sees one small atomic write per burst however fast the edits come.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, SignalInstance

AUTOSAVE_DELAY_MS = 1500


class EditedPattern(Protocol):
    """What is autosaved: ``SequencerState``."""

    @property
    def patternChanged(self) -> SignalInstance: ...

    def snapshot(self) -> dict[str, Any]: ...


class SessionAutosave(QObject):
    """``SessionAutosave(pattern, save)``: ``save(snapshot)`` runs at most
    ``delay_ms`` after a change; ``flush()`` writes a pending change at once (quitting)."""

    def __init__(
        self,
        pattern: EditedPattern,
        save: Callable[[dict[str, Any]], None],
        *,
        delay_ms: int = AUTOSAVE_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pattern = pattern
        self._save = save
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._write)
        pattern.patternChanged.connect(self._changed)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def _changed(self) -> None:
        # Not restarted on every change: painting for ten seconds still saves every 1.5 s.
        if not self._timer.isActive():
            self._timer.start()

    def _write(self) -> None:
        self._save(self._pattern.snapshot())

    def flush(self) -> None:
        """Write now (and cancel the pending write): the last word on quitting."""
        self._timer.stop()
        self._write()
