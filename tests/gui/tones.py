"""A short recording for row tests: a real MP3 the player can open and the cache adopt."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.audio.mp3 import encode_mp3

SR = 44100


def write_tone_mp3(path: Path, seconds: float = 3.0) -> Path:
    """A 330 Hz stereo tone of ``seconds``, encoded at 128 kbit/s into ``path``."""
    t = np.arange(int(SR * seconds)) / SR
    tone = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    encode_mp3(np.stack([tone, tone], axis=1), SR, path, bitrate=128)
    return path
