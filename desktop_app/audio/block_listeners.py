"""Who gets the engine's blocks: the recorder (what is recorded) and the output meter
(what is heard), called on the feeder thread without a lock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

log = logging.getLogger(__name__)

BlockListener = Callable[[np.ndarray], None]


class BlockListeners:
    """Adding or removing a listener replaces the tuple, so the feeder's loop over
    ``current`` never sees it change under it (copy-on-write instead of a lock per block)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: tuple[BlockListener, ...] = ()

    def add(self, fn: BlockListener) -> None:
        with self._lock:
            self.current = (*self.current, fn)

    def remove(self, fn: BlockListener) -> None:
        with self._lock:
            self.current = tuple(f for f in self.current if f != fn)

    def send(self, block: np.ndarray) -> None:
        """Give ``block`` to each listener; one that fails is logged, the others still
        get the block (an empty block goes to no one)."""
        if not len(block):
            return
        for fn in self.current:
            try:
                fn(block)
            except Exception:
                log.exception("block listener failed")
