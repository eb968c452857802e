"""Real audio files for the sample tests, written by libsndfile."""

from __future__ import annotations

import io

import numpy as np
import soundfile

from tests.server.helpers import mp3_bytes


def audio_bytes(fmt: str = "WAV", seconds: float = 0.25, rate: int = 22050, tone: float = 440.0,
                channels: int = 1) -> bytes:  # fmt: skip
    """A sine in one of libsndfile's formats (``WAV``, ``AIFF``, ``FLAC``, ``OGG``), or
    an MP3 from lameenc."""
    if fmt == "MP3":
        return mp3_bytes(seconds)
    t = np.arange(int(rate * seconds)) / rate
    mono = (np.sin(2 * np.pi * tone * t) * 0.3).astype(np.float32)
    data = np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono
    out = io.BytesIO()
    soundfile.write(out, data, rate, format=fmt)
    return out.getvalue()
