"""Small real MP3 files for tests: a sine tone, encoded as the app encodes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.audio.mp3 import encode_mp3

SR = 44100


def make_mp3(path: Path, seconds: float = 0.5, freq: float = 330.0) -> Path:
    """A stereo 128 kbit/s tone of ``seconds`` at ``path``; returns ``path``."""
    t = np.arange(int(SR * seconds)) / SR
    tone = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    encode_mp3(np.stack([tone, tone], axis=1), SR, path, bitrate=128)
    return path
