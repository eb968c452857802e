"""Decode an MP3 with QtMultimedia's QAudioDecoder (FFmpeg backend) for the audio tests:
an independent decoder, so the tests check real files rather than our own reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer, QUrl
from PySide6.QtMultimedia import QAudioDecoder, QAudioFormat


def decode_mp3(path: str | Path, sample_rate: int = 44100, timeout_ms: int = 20000) -> np.ndarray:
    """All frames of ``path`` as (n, 2) int16. Needs a Q(Core)Application (pytest-qt's qapp)."""
    assert QCoreApplication.instance() is not None
    decoder = QAudioDecoder()
    fmt = QAudioFormat()
    fmt.setSampleRate(sample_rate)
    fmt.setChannelCount(2)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    decoder.setAudioFormat(fmt)
    decoder.setSource(QUrl.fromLocalFile(str(path)))
    chunks: list[np.ndarray] = []
    errors: list[str] = []
    loop = QEventLoop()

    def ready() -> None:
        while decoder.bufferAvailable():
            buf = decoder.read()
            chunks.append(np.frombuffer(bytes(buf.constData()), np.int16).copy())

    decoder.bufferReady.connect(ready)
    decoder.finished.connect(loop.quit)
    decoder.error.connect(lambda _e: (errors.append(decoder.errorString()), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    decoder.start()
    loop.exec()
    ready()
    if errors:
        raise RuntimeError(f"decoding {path} failed: {errors[0]}")
    if not chunks:
        return np.zeros((0, 2), np.int16)
    return np.concatenate(chunks).reshape(-1, 2)
