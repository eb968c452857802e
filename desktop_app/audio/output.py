"""Where the engine's blocks go: a sounddevice output stream, or a clock that paces them.

The stream's callback only copies a prepared block into ``outdata`` (STYLE.md #1): the
blocks are rendered ahead by the engine's feeder thread and handed over through a small
bounded queue, so the callback never allocates, mixes or takes a lock.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


class DeviceUnavailable(Exception):
    """No usable output device: PortAudio is missing, there is no device, or it failed."""


def _sounddevice() -> Any:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: libportaudio is not installed
        raise DeviceUnavailable(f"PortAudio is not available ({exc})") from None
    return sounddevice


def device_label(device: str | int | None) -> str:
    return "the default device" if device in (None, "") else f"{device!r}"


class DeviceSink:
    """A running output stream on one device, fed block by block."""

    mode = "device"

    def __init__(
        self, device: str | int | None, sample_rate: int, block_size: int, depth: int
    ) -> None:
        sd = _sounddevice()
        self.device = device
        self.block_size = block_size
        self.frames_played = 0
        self.underruns = 0
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=depth)
        self._carry: np.ndarray | None = None
        self._failed = threading.Event()
        try:
            self._stream = sd.OutputStream(
                samplerate=sample_rate,
                blocksize=block_size,
                channels=2,
                dtype="float32",
                device=None if device in (None, "") else device,
                callback=self._callback,
                finished_callback=self._failed.set,
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError, ValueError (no such device), ...
            raise DeviceUnavailable(str(exc) or type(exc).__name__) from None

    def _callback(self, outdata, frames, time_info, status) -> None:  # audio thread
        filled = 0
        while filled < frames:
            block = self._carry
            self._carry = None
            if block is None:
                try:
                    block = self._queue.get_nowait()
                except queue.Empty:
                    outdata[filled:] = 0
                    self.underruns += 1
                    break
            take = min(frames - filled, len(block))
            outdata[filled : filled + take] = block[:take]
            if take < len(block):
                self._carry = block[take:]
            filled += take
        self.frames_played += filled

    @property
    def healthy(self) -> bool:
        return not self._failed.is_set() and bool(self._stream.active)

    def deliver(self, block: np.ndarray, stop: threading.Event) -> bool:
        """Queue ``block`` for the callback; False if the device stopped consuming."""
        waited = 0.0
        while not stop.is_set():
            try:
                self._queue.put(block, timeout=0.1)
                return True
            except queue.Full:
                waited += 0.1
                if not self.healthy or waited > 2.0:
                    return False
        return True

    def drain(self, timeout: float = 0.25) -> None:
        end = time.monotonic() + timeout
        while not self._queue.empty() and self.healthy and time.monotonic() < end:
            time.sleep(0.005)

    def position(self) -> int:
        return self.frames_played

    def close(self) -> None:
        try:
            self._stream.abort()
            self._stream.close()
        except Exception:  # a vanished device may fail to close; nothing left to do
            log.debug("closing the output stream failed", exc_info=True)


class ClockSink:
    """No device: a monotonic clock paces the blocks so everything downstream (the
    recorder, the step highlight) behaves as if audio were playing. ``speed`` > 1 runs
    faster than real time and ``speed`` 0 does not wait at all (tests, benchmarks)."""

    mode = "clock"

    def __init__(self, sample_rate: int, start_frame: int = 0, speed: float = 1.0) -> None:
        self.sample_rate = sample_rate
        self.speed = speed
        self.frames_delivered = start_frame
        self._start_frame = start_frame
        self._t0 = time.monotonic()

    def deliver(self, block: np.ndarray, stop: threading.Event) -> bool:
        if self.speed > 0:
            due = self._t0 + (self.frames_delivered - self._start_frame) / (
                self.sample_rate * self.speed
            )
            delay = due - time.monotonic()
            if delay > 0:
                stop.wait(delay)
        self.frames_delivered += len(block)
        return True

    def set_speed(self, speed: float) -> None:
        """Change pace from the next block on (benchmarks run part of a take fast)."""
        self._start_frame = self.frames_delivered
        self._t0 = time.monotonic()
        self.speed = speed

    def drain(self, timeout: float = 0.0) -> None:
        return None

    def position(self) -> int:
        """The frame being heard now: the clock's time, not ahead of what was delivered."""
        if self.speed <= 0:
            return self.frames_delivered
        elapsed = (time.monotonic() - self._t0) * self.sample_rate * self.speed
        return min(self.frames_delivered, self._start_frame + math.floor(elapsed))

    def close(self) -> None:
        return None


def list_output_devices() -> list[str]:
    """Names of the output devices PortAudio sees (empty without PortAudio or devices)."""
    return _list_devices("max_output_channels")


def list_input_devices() -> list[str]:
    return _list_devices("max_input_channels")


def _list_devices(key: str) -> list[str]:
    try:
        sd = _sounddevice()
        return [d["name"] for d in sd.query_devices() if d.get(key, 0) > 0]
    except Exception:
        return []
