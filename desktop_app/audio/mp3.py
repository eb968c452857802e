"""MP3 encoding with LAME (lameenc), streamed or in one go, and reading an MP3's length.

``Mp3Encoder`` takes float blocks as they come, which is what lets the recorder encode
while recording: at stop only the encoder's last frames remain to be flushed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lameenc
import numpy as np

# MPEG-1 Layer III bitrates (kbit/s) - what a 44.1/48 kHz CBR stream can use.
VALID_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
DEFAULT_BITRATE = 320
SAMPLES_PER_FRAME = 1152
# LAME's own delay (576) plus the decoder's (529): where a decoder's output starts.
ENCODER_DELAY = 576 + 529
# LAME's quality knob: 2 is its "high quality" setting, still ~40x real time here.
QUALITY = 2


def check_bitrate(bitrate: int) -> int:
    if bitrate not in VALID_BITRATES:
        raise ValueError(
            f"bitrate: {bitrate} kbit/s is not an MP3 bitrate; use one of "
            + ", ".join(str(b) for b in VALID_BITRATES)
        )
    return bitrate


def to_int16(pcm: np.ndarray) -> np.ndarray:
    """Float -1..1 → int16 (clipped; the limiter already keeps us below full scale)."""
    return np.clip(np.rint(pcm * 32767.0), -32768, 32767).astype(np.int16)


class Mp3Encoder:
    """A streaming CBR encoder: ``encode(block)`` any number of times, then ``flush()``."""

    def __init__(
        self, sample_rate: int = 44100, channels: int = 2, bitrate: int = DEFAULT_BITRATE
    ) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self.bitrate = check_bitrate(bitrate)
        self.frames_in = 0
        self._lame = lameenc.Encoder()
        self._lame.set_bit_rate(bitrate)
        self._lame.set_in_sample_rate(sample_rate)
        self._lame.set_channels(channels)
        self._lame.set_quality(QUALITY)

    def encode(self, pcm: np.ndarray) -> bytes:
        pcm = np.asarray(pcm, dtype=np.float32)
        if pcm.ndim == 1:
            pcm = pcm[:, None]
        if pcm.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {pcm.shape[1]}")
        self.frames_in += len(pcm)
        if not len(pcm):
            return b""
        return bytes(self._lame.encode(to_int16(pcm).tobytes()))

    def flush(self) -> bytes:
        if self.frames_in == 0:  # LAME refuses to flush an encoder that never encoded
            return b""
        return bytes(self._lame.flush())


@dataclass(frozen=True)
class Mp3Info:
    """What the frame headers say: decoded length includes encoder delay and padding."""

    frames: int
    sample_rate: int
    channels: int
    bitrate: int  # kbit/s of the first frame (CBR: of all)
    size_bytes: int

    @property
    def decoded_samples(self) -> int:
        return self.frames * SAMPLES_PER_FRAME

    @property
    def duration(self) -> float:
        return self.decoded_samples / self.sample_rate if self.sample_rate else 0.0


def encode_mp3(
    pcm: np.ndarray,
    sample_rate: int,
    path: str | Path,
    bitrate: int = DEFAULT_BITRATE,
    *,
    progress: Callable[[float], None] | None = None,
    chunk_frames: int = 44100 * 5,
) -> Mp3Info:
    """Encode ``pcm`` (n, 2) float32 to ``path``. Written under a temporary name and
    renamed when complete, so a failure never leaves a truncated file under ``path``."""
    path = Path(path)
    pcm = np.asarray(pcm, dtype=np.float32)
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    encoder = Mp3Encoder(sample_rate, channels, bitrate)
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "wb") as fh:
            total = len(pcm)
            for start in range(0, total, chunk_frames):
                fh.write(encoder.encode(pcm[start : start + chunk_frames]))
                if progress is not None:
                    progress(min(1.0, (start + chunk_frames) / total))
            fh.write(encoder.flush())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return read_mp3_info(path)


_BITRATES_V1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_BITRATES_V2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def read_mp3_info(path: str | Path) -> Mp3Info:
    """Walk the Layer III frame headers (skipping an ID3v2 tag). Raises ValueError if the
    file holds no MP3 frames."""
    raw = Path(path).read_bytes()
    pos = 0
    if raw[:3] == b"ID3" and len(raw) >= 10:
        size = (raw[6] << 21) | (raw[7] << 14) | (raw[8] << 7) | raw[9]
        pos = 10 + size
    frames = rate = channels = first_bitrate = 0
    n = len(raw)
    while pos + 4 <= n:
        b1, b2, b3 = raw[pos + 1], raw[pos + 2], raw[pos + 3]
        if raw[pos] != 0xFF or (b1 & 0xE0) != 0xE0:
            pos += 1
            continue
        version = (b1 >> 3) & 3
        layer = (b1 >> 1) & 3
        bitrate_index = b2 >> 4
        rate_index = (b2 >> 2) & 3
        if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
            pos += 1
            continue
        kbps = (_BITRATES_V1 if version == 3 else _BITRATES_V2)[bitrate_index]
        sr = _RATES[version][rate_index]
        slot = 144 if version == 3 else 72
        length = slot * kbps * 1000 // sr + ((b2 >> 1) & 1)
        if frames == 0:
            rate, channels, first_bitrate = sr, (1 if (b3 >> 6) == 3 else 2), kbps
        frames += 1
        pos += length
    if frames == 0:
        raise ValueError(f"{path}: no MP3 frames found")
    return Mp3Info(frames, rate, channels, first_bitrate, n)
