"""Writing WAV files: the recorder's lossless original and ``sequencer render -o x.wav``.

The standard ``wave`` module cannot write floating point, and the recorder's original is
the engine's float32 output itself, streamed while recording; a RIFF header is a few
bytes. Reading the user's files is ``audio_files.read_audio`` (libsndfile).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

PCM = 1
IEEE_FLOAT = 3


def _header(channels: int, rate: int, tag: int, bits: int, data_bytes: int) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if tag == IEEE_FLOAT:
        chunks += b"fact" + struct.pack("<II", 4, data_bytes // block)
    chunks += b"data" + struct.pack("<I", data_bytes)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks) + data_bytes) + b"WAVE" + chunks


class WavWriter:
    """Streams float32 frames to a 32-bit float WAV; sizes are patched in on ``close``.

    Float keeps the engine's output bit-exact (the lossless original of a recording)."""

    def __init__(self, fh: BinaryIO, sample_rate: int, channels: int = 2) -> None:
        self._fh = fh
        self.sample_rate = sample_rate
        self.channels = channels
        self.frames = 0
        fh.write(_header(channels, sample_rate, IEEE_FLOAT, 32, 0))

    def write(self, frames: np.ndarray) -> None:
        frames = np.ascontiguousarray(frames, dtype="<f4")
        self._fh.write(frames.tobytes())
        self.frames += len(frames)

    def finish(self) -> None:
        """Write the final sizes; the caller closes the file."""
        data_bytes = self.frames * self.channels * 4
        self._fh.seek(0)
        self._fh.write(_header(self.channels, self.sample_rate, IEEE_FLOAT, 32, data_bytes))
        self._fh.seek(0, 2)


def write_wav(path: str | Path, frames: np.ndarray, sample_rate: int, *, bits: int = 32) -> None:
    """Write ``frames`` (n,) or (n, ch) as 16/24/32-bit integer PCM or (bits=32) float."""
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim == 1:
        frames = frames[:, None]
    channels = frames.shape[1]
    if bits == 32:
        payload = np.ascontiguousarray(frames, "<f4").tobytes()
        tag = IEEE_FLOAT
    else:
        tag = PCM
        full = float(1 << (bits - 1))
        ints = np.clip(np.round(frames * full), -full, full - 1).astype(np.int32)
        if bits == 16:
            payload = ints.astype("<i2").tobytes()
        elif bits == 24:
            b = ints.reshape(-1).astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
            payload = np.ascontiguousarray(b).tobytes()
        elif bits == 8:
            payload = (ints + 128).astype(np.uint8).tobytes()
        else:
            raise ValueError(f"bits must be 8, 16, 24 or 32, not {bits}")
    with open(path, "wb") as fh:
        fh.write(_header(channels, sample_rate, tag, bits, len(payload)))
        fh.write(payload)
        if len(payload) & 1:
            fh.write(b"\0")
