"""WAV files in and out, without extra dependencies.

The standard ``wave`` module reads only integer PCM and cannot write floating point, but
user kits come from every sample pack there is (8/16/24/32-bit integer, 32/64-bit float,
WAVE_FORMAT_EXTENSIBLE) and the recorder's lossless original is the engine's float32
output itself, so both directions are done here by reading the RIFF chunks directly.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

PCM = 1
IEEE_FLOAT = 3
EXTENSIBLE = 0xFFFE


class WavError(ValueError):
    """A file that is not a WAV we can decode; the message says why."""


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Decode a WAV file to float32 frames ``(n, channels)`` in -1..1 and its sample rate."""
    raw = Path(path).read_bytes()
    if len(raw) < 12 or raw[:4] not in (b"RIFF", b"RF64") or raw[8:12] != b"WAVE":
        raise WavError("not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[int, int, int, int] | None = None
    data: bytes | None = None
    pos = 12
    while pos + 8 <= len(raw):
        cid = raw[pos : pos + 4]
        size = struct.unpack_from("<I", raw, pos + 4)[0]
        body = raw[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            if len(body) < 16:
                raise WavError("fmt chunk is truncated")
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
            if tag == EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack_from("<H", body, 24)[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            # Some writers leave the size at 0 or 0xFFFFFFFF when streaming; take what is there.
            data = raw[pos + 8 :] if size in (0, 0xFFFFFFFF) else body
            if fmt is not None:
                break
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise WavError("no fmt chunk")
    if data is None:
        raise WavError("no data chunk")
    tag, channels, rate, bits = fmt
    if channels < 1 or rate < 1:
        raise WavError(f"{channels} channels at {rate} Hz is not playable")
    frames = _decode(data, tag, bits)
    usable = len(frames) // channels * channels
    return frames[:usable].reshape(-1, channels), rate


def _decode(data: bytes, tag: int, bits: int) -> np.ndarray:
    if tag == PCM:
        width = (bits + 7) // 8
        data = data[: len(data) // width * width]
        if width == 1:
            return (np.frombuffer(data, np.uint8).astype(np.float32) - 128.0) / 128.0
        if width == 2:
            return np.frombuffer(data, "<i2").astype(np.float32) / 32768.0
        if width == 3:
            b = np.frombuffer(data, np.uint8).reshape(-1, 3).astype(np.int32)
            v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
            v = np.where(v >= 1 << 23, v - (1 << 24), v)
            return (v / float(1 << 23)).astype(np.float32)
        if width == 4:
            return (np.frombuffer(data, "<i4") / float(1 << 31)).astype(np.float32)
        raise WavError(f"{bits}-bit integer samples are not supported")
    if tag == IEEE_FLOAT:
        if bits == 32:
            return np.frombuffer(data[: len(data) // 4 * 4], "<f4").astype(np.float32)
        if bits == 64:
            return np.frombuffer(data[: len(data) // 8 * 8], "<f8").astype(np.float32)
        raise WavError(f"{bits}-bit floating point samples are not supported")
    raise WavError(f"compressed WAV (format tag {tag:#x}) is not supported; use PCM or float")


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
