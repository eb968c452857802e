"""What the speakers get on top of the music: the metronome's clicks, delayed to meet
the limiter's output, and the master volume; and the peak the output meter polls.

The limiter is the only part that changes the music's level, so the clicks and the
master volume come after it: takes and renders keep the mix's own level."""

from __future__ import annotations

import numpy as np

from desktop_app.audio.limiter import LATENCY


class OutputMix:
    """Used by the feeder thread, except ``set_master`` and ``take_peak`` (any thread:
    each only swaps one float)."""

    def __init__(self) -> None:
        self.master = 1.0
        self._peak = 0.0
        # Clicks wait LATENCY frames here: the music comes out of the limiter that late.
        self._click_delay = np.zeros((LATENCY, 2), np.float32)

    def set_master(self, volume: float) -> None:
        if not 0.0 <= volume <= 1.0:
            raise ValueError(f"master volume: {volume} is outside 0-1")
        self.master = float(volume)

    def take_peak(self) -> float:
        """Peak (0-1) of what was heard since the last call."""
        peak, self._peak = self._peak, 0.0
        return peak

    def restart(self, first_clicks: np.ndarray | None) -> None:
        """Start the click delay line over with the clicks of the LATENCY frames the
        sequencer runs ahead of the limiter's output (None: no clicks there)."""
        if first_clicks is None:
            self._click_delay = np.zeros((LATENCY, 2), np.float32)
        else:
            self._click_delay = first_clicks.copy()

    def align_clicks(self, block: np.ndarray, clicks: np.ndarray | None) -> np.ndarray | None:
        """The clicks that sound with ``block`` (the limiter's output) given the clicks
        just rendered with the music going into it; None when there are none."""
        if clicks is None and not self._click_delay.any():
            return None
        fresh = clicks if clicks is not None else np.zeros_like(block)
        delayed = np.concatenate([self._click_delay, fresh])
        self._click_delay = delayed[len(block) :]
        return delayed[: len(block)]

    def mix(
        self, block: np.ndarray, clicks: np.ndarray | None, record_clicks: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """(what is heard, what is recorded): the click goes to the recorder only when
        ``record_clicks``. Clicks are kept under full scale by a plain clip (they are
        short and quiet)."""
        recorded = block
        if clicks is not None:
            heard = np.clip(block + clicks, -1.0, 1.0)
            if record_clicks:
                recorded = heard
        else:
            heard = block
        if self.master != 1.0:
            heard = heard * np.float32(self.master)
        if len(heard):
            self._peak = max(self._peak, float(np.abs(heard).max()))
        return heard, recorded
