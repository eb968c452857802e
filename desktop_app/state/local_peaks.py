"""Waveform peaks for renders that arrived without any (older clients, other tools).

QAudioDecoder (FFmpeg) decodes the cached MP3 asynchronously on the GUI thread's event
loop, in mono, and only a running maximum per short slice is kept,
so a long render costs a few kilobytes, not its whole PCM. One decode at a time; later
requests wait in a queue, and a request for a file already queued is ignored.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtMultimedia import QAudioDecoder, QAudioFormat

from desktop_app.audio.peaks import DEFAULT_COUNT, compute_peaks

log = logging.getLogger(__name__)

# Decode at 44.1 kHz, not lower: Qt 6.11's FFmpeg resampler yields nothing at all when it
# downsamples (below ~32 kHz) a file whose gapless tag asks it to skip the encoder delay.
DECODE_RATE = 44100
SLICE = 352  # samples per kept maximum: ~125 per second


class LocalPeaks(QObject):
    """``LocalPeaks(parent=None)``; ``request(key, path)`` → ``ready(key, peaks)``."""

    ready = Signal(str, list)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None, *, count: int = DEFAULT_COUNT) -> None:
        super().__init__(parent)
        self._count = count
        self._queue: deque[tuple[str, Path]] = deque()
        self._decoder: QAudioDecoder | None = None
        self._current: str | None = None
        self._maxima: list[np.ndarray] = []
        self._on_done: Callable[[], None] | None = None

    def request(self, key: str, path: str | Path) -> None:
        if key == self._current or any(k == key for k, _ in self._queue):
            return
        self._queue.append((key, Path(path)))
        if self._current is None:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            return
        key, path = self._queue.popleft()
        self._current = key
        self._maxima = []
        decoder = QAudioDecoder(self)
        fmt = QAudioFormat()
        fmt.setSampleRate(DECODE_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Float)
        decoder.setAudioFormat(fmt)
        decoder.bufferReady.connect(self._on_buffer)
        decoder.finished.connect(self._on_finished)
        decoder.error.connect(self._on_error)
        decoder.setSource(QUrl.fromLocalFile(str(path)))
        self._decoder = decoder
        decoder.start()

    def _on_buffer(self) -> None:
        decoder = self._decoder
        while decoder is not None and decoder.bufferAvailable():
            buf = decoder.read()
            data = np.frombuffer(bytes(buf.constData()), np.float32)
            if len(data) == 0:
                continue
            pad = (-len(data)) % SLICE
            if pad:
                data = np.concatenate([data, np.zeros(pad, np.float32)])
            self._maxima.append(np.abs(data.reshape(-1, SLICE)).max(axis=1))

    def _on_finished(self) -> None:
        self._on_buffer()
        key = self._current or ""
        maxima = np.concatenate(self._maxima) if self._maxima else np.zeros(0, np.float32)
        self._finish()
        if len(maxima):
            self.ready.emit(key, compute_peaks(maxima, self._count))
        else:
            self.failed.emit(key, "no audio decoded")

    def _on_error(self, _error: QAudioDecoder.Error) -> None:
        key = self._current or ""
        text = self._decoder.errorString() if self._decoder else "decoder error"
        log.info("could not compute peaks of %s: %s", key, text)
        self._finish()
        self.failed.emit(key, text)

    def _finish(self) -> None:
        decoder, self._decoder = self._decoder, None
        if decoder is not None:
            decoder.bufferReady.disconnect(self._on_buffer)
            decoder.finished.disconnect(self._on_finished)
            decoder.error.disconnect(self._on_error)
            decoder.stop()
            decoder.deleteLater()
        self._current = None
        self._maxima = []
        self._next()
