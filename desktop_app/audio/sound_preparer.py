"""Tracks' own sounds decoded and shaped off the window's thread and the feeder's.

Shaping a long sample pitched far down takes a second or more (``sample_shaping``), so
neither the GUI thread (the window would freeze while the musician drags the pitch) nor
the engine's feeder (the output would run dry) may do it. ``request`` hands the sounds of
a pattern to one worker thread and returns at once; the feeder asks ``sound`` between
blocks, which only looks: a sound is ready, known missing, or still on its way.

The newest request wins, like the engine's own pattern hand-over: dragging the pitch
through twenty values does not queue twenty shapings, only the one being computed when
the drag ends and the last value. The thread exists only while there is work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import numpy as np

from desktop_app.audio.sample_bank import SampleBank
from desktop_app.domain.pattern import Pattern

log = logging.getLogger(__name__)

# A track's own sound as the bank keys it: (SHA-256, pitch in semitones, decay or None).
SoundKey = tuple[str, float, float | None]


def own_sounds(pattern: Pattern) -> list[SoundKey]:
    """The own sounds ``pattern`` plays, each once, in track order."""
    keys = [
        (t.sample_sha256, t.pitch, t.decay) for t in pattern.tracks if t.sample_sha256 is not None
    ]
    return list(dict.fromkeys(keys))


class SoundPreparer:
    """``SoundPreparer(bank)``: computes ``bank``'s shaped sounds on a worker thread.
    Thread-safe: the GUI requests, the feeder asks, the worker computes."""

    def __init__(self, bank: SampleBank) -> None:
        self.bank = bank
        self._lock = threading.Condition()
        self._wanted: list[SoundKey] = []
        self._working: SoundKey | None = None
        self._broken: set[SoundKey] = set()
        self._thread: threading.Thread | None = None

    def request(self, pattern: Pattern) -> None:
        """Prepare the own sounds of ``pattern``, instead of whatever earlier request is
        still waiting. Returns at once; the sounds count as on their way from now on."""
        keys = [key for key in own_sounds(pattern) if self.bank.ready(*key) is None]
        self._ask(keys, replace=True)

    def sound(
        self, sha256: str, pitch: float, decay: float | None
    ) -> tuple[np.ndarray | None, bool]:
        """``(data, settled)``: ``(sound, True)`` when ready, ``(None, True)`` when the
        sample is missing or cannot be played, ``(None, False)`` while it is being
        prepared. Never computes; a sound nobody asked for yet (or one the bank let go
        of) is asked for here."""
        key = (sha256, pitch, decay)
        data = self.bank.ready(*key)
        if data is not None:
            return data, True
        with self._lock:
            if key == self._working or key in self._wanted:
                return None, False
            if key in self._broken:
                return None, True
        if self.bank.failed(sha256):
            return None, True
        self._ask([key], replace=False)
        return None, False

    def busy(self) -> bool:
        with self._lock:
            return self._working is not None or bool(self._wanted)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every requested sound is settled (tests, a command that plays);
        False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._thread is None, timeout)

    def _ask(self, keys: Iterable[SoundKey], replace: bool) -> None:
        with self._lock:
            wanted = [] if replace else list(self._wanted)
            for key in keys:
                if key not in wanted and key != self._working:
                    self._broken.discard(key)
                    wanted.append(key)
            self._wanted = wanted
            if wanted and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sound-preparer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._thread = None
                    self._lock.notify_all()
                    return
                key = self._working = self._wanted.pop(0)
            try:
                self.bank.shaped(*key)
            except Exception:  # never retried: a MemoryError would come back every block
                log.exception("preparing sound %s failed", key[0][:12])
                with self._lock:
                    self._broken.add(key)
            finally:
                with self._lock:
                    self._working = None


__all__ = ["SoundKey", "SoundPreparer", "own_sounds"]
