"""A microphone/line input to mix into recordings.

The sounddevice callback only copies each input block into a queue; the recorder's worker
thread takes as many frames as each engine block has (``take``), so the mix happens off
the audio threads. The two streams run on different clocks, so the buffer is kept short:
frames older than ``max_seconds`` are dropped rather than letting the input drift behind.
"""

from __future__ import annotations

import queue
from types import ModuleType
from typing import Protocol

import numpy as np

# Blocks kept while nobody takes them (a device block is usually 256-1024 frames).
MAX_QUEUED_BLOCKS = 64


# PortAudio's own words for this case are "Error querying device -1".
NO_INPUT = "no audio input was found (no microphone or line in)"


class InputUnavailable(Exception):
    """The input device cannot be opened; the message says which and why."""


class _Stream(Protocol):
    """The part of ``sounddevice.InputStream`` the tap drives."""

    def start(self) -> None: ...
    def abort(self) -> None: ...
    def close(self) -> None: ...


def _has_input(sd: ModuleType) -> bool:
    """Whether PortAudio lists any device that records."""
    try:
        devices = sd.query_devices()
    except Exception:
        return False
    return any(int(d.get("max_input_channels", 0)) > 0 for d in devices)


class InputTap:
    """Frames from an input, consumed in engine-sized pieces."""

    def __init__(self, sample_rate: int = 44100, max_seconds: float = 0.5) -> None:
        self.sample_rate = sample_rate
        self._max_frames = int(max_seconds * sample_rate)
        self._incoming: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._buffer = np.zeros((0, 2), np.float32)
        self._stream: _Stream | None = None
        self._peak = 0.0

    def open(self, device: str | int | None = None) -> None:
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:
            raise InputUnavailable(f"PortAudio is not available ({exc})") from None
        name = None if device in (None, "") else device
        if name is None and not _has_input(sd):
            raise InputUnavailable(NO_INPUT)
        try:
            info = sd.query_devices(name, kind="input")
            channels = max(1, min(2, int(info["max_input_channels"])))
            self._stream = sd.InputStream(
                samplerate=self.sample_rate,
                channels=channels,
                dtype="float32",
                device=name,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:
            label = "the default input" if device in (None, "") else f"input {device!r}"
            raise InputUnavailable(f"Cannot open {label}: {exc}") from None

    def _callback(self, indata, frames, time_info, status) -> None:  # audio thread
        self.push(indata)

    def push(self, frames: np.ndarray) -> None:
        """Add captured frames (n,) / (n, 1) / (n, 2); what the stream callback does.

        Also notes the block's peak for the input meter. While nobody takes frames (the
        meter runs between takes) the oldest blocks are dropped, so the queue stays short."""
        block = np.asarray(frames, np.float32).copy()
        if len(block):
            self._peak = max(self._peak, float(np.abs(block).max()))
        self._incoming.put(block)
        while self._incoming.qsize() > MAX_QUEUED_BLOCKS:
            try:
                self._incoming.get_nowait()
            except queue.Empty:
                break

    def level(self) -> float:
        """Peak (0-1) of what came in since the last call, for the input meter."""
        peak, self._peak = self._peak, 0.0
        return min(1.0, peak)

    def discard(self) -> None:
        """Forget what is queued: a take starts with what is played from now on, not with
        what the meter let pile up before it."""
        while True:
            try:
                self._incoming.get_nowait()
            except queue.Empty:
                break
        self._buffer = np.zeros((0, 2), np.float32)

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` frames as (n, 2); silence where the input has nothing yet."""
        parts = [self._buffer]
        while True:
            try:
                block = self._incoming.get_nowait()
            except queue.Empty:
                break
            if block.ndim == 1:
                block = block[:, None]
            if block.shape[1] == 1:
                block = np.repeat(block, 2, axis=1)
            parts.append(block[:, :2])
        buffer = np.concatenate(parts) if len(parts) > 1 else self._buffer
        if len(buffer) > self._max_frames + n:
            buffer = buffer[-(self._max_frames + n) :]
        out = np.zeros((n, 2), np.float32)
        got = min(n, len(buffer))
        out[:got] = buffer[:got]
        self._buffer = buffer[got:]
        return out

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.abort()
                self._stream.close()
            except Exception:
                pass
            self._stream = None
