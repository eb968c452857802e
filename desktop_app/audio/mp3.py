"""MP3 encoding with LAME (libmp3lame via ctypes), streamed or in one go; reading an MP3.

``Mp3Encoder`` takes float blocks as they come, which is what lets the recorder encode
while recording: at stop only the encoder's last frames remain to be flushed.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.audio import lametag, libmp3lame
from sequencer_common.atomic import atomic_write
from sequencer_common.mp3_frames import MAX_FRAME, FrameHeader, parse_header, skip_id3v2

# MPEG-1 Layer III bitrates (kbit/s) - what a 44.1/48 kHz CBR stream can use.
VALID_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
DEFAULT_BITRATE = 320
SAMPLES_PER_FRAME = 1152
# LAME's own delay (576) plus the decoder's (529): where a decoder's output starts.
ENCODER_DELAY = 576 + 529
# LAME's quality knob: 3 is the `lame` CLI's default, and at 320 kbit/s it measures the
# best SNR against the input (36.1 dB vs 35.7 dB for 2 on the demo groove).
QUALITY = 3


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
    """A streaming CBR encoder: ``encode(block)`` any number of times, then ``flush()``.

    LAME itself through ctypes (``libmp3lame.py`` says why): joint stereo like the
    ``lame`` CLI, float input, and LAME's own gapless tag. The stream starts with the
    tag frame as a placeholder; ``final_tag`` returns it completed, to be written over the
    first bytes of the file."""

    def __init__(
        self, sample_rate: int = 44100, channels: int = 2, bitrate: int = DEFAULT_BITRATE
    ) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self.bitrate = check_bitrate(bitrate)
        self.frames_in = 0
        self._counter = _FrameCounter()
        self._lib = libmp3lame.load()
        lib = self._lib
        self._gfp = lib.lame_init()
        if not self._gfp:
            raise MemoryError("lame_init failed")
        lib.lame_set_in_samplerate(self._gfp, sample_rate)
        lib.lame_set_out_samplerate(self._gfp, sample_rate)
        lib.lame_set_num_channels(self._gfp, channels)
        lib.lame_set_mode(self._gfp, libmp3lame.JOINT_STEREO if channels == 2 else libmp3lame.MONO)
        lib.lame_set_VBR(self._gfp, 0)  # CBR
        lib.lame_set_brate(self._gfp, bitrate)
        lib.lame_set_quality(self._gfp, QUALITY)
        lib.lame_set_bWriteVbrTag(self._gfp, 1)
        if lib.lame_init_params(self._gfp) < 0:
            lib.lame_close(self._gfp)
            self._gfp = None
            raise ValueError(f"LAME cannot encode {channels} channels at {sample_rate} Hz")

    @property
    def lowpass_hz(self) -> int:
        """The lowpass LAME chose for this bitrate (it is written in the LAME tag)."""
        return int(self._lib.lame_get_lowpassfreq(self._gfp))

    def encode(self, pcm: np.ndarray) -> bytes:
        pcm = np.asarray(pcm, dtype=np.float32)
        if pcm.ndim == 1:
            pcm = pcm[:, None]
        if pcm.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {pcm.shape[1]}")
        self.frames_in += len(pcm)
        if not len(pcm):
            return b""
        n = len(pcm)
        out = ctypes.create_string_buffer(n * 5 // 4 + 7200)
        if self.channels == 2:
            data = np.ascontiguousarray(pcm)
            ptr = data.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            size = self._lib.lame_encode_buffer_interleaved_ieee_float(
                self._gfp, ptr, n, out, len(out)
            )
        else:
            data = np.ascontiguousarray(pcm[:, 0])
            ptr = data.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            size = self._lib.lame_encode_buffer_ieee_float(self._gfp, ptr, ptr, n, out, len(out))
        if size < 0:
            raise RuntimeError(f"LAME failed to encode (error {size})")
        return self._counter.feed(out.raw[:size])

    def flush(self) -> bytes:
        if self.frames_in == 0:  # nothing encoded: no stream, no tag
            return b""
        out = ctypes.create_string_buffer(7200 * 2)
        size = self._lib.lame_encode_flush(self._gfp, out, len(out))
        if size < 0:
            raise RuntimeError(f"LAME failed to flush (error {size})")
        return self._counter.feed(out.raw[:size])

    def tag_placeholder(self) -> bytes:
        """Write this first. Empty: LAME starts the stream with its own tag frame."""
        return b""

    def final_tag(self) -> bytes:
        """After ``flush``: LAME's tag frame with the real counts, delay, padding, lowpass
        and music CRC, to overwrite the first frame of the file."""
        if self.frames_in == 0:
            return b""
        size = self._lib.lame_get_lametag_frame(self._gfp, None, 0)
        out = ctypes.create_string_buffer(max(int(size), 1))
        written = self._lib.lame_get_lametag_frame(self._gfp, out, len(out))
        return out.raw[:written]

    def close(self) -> None:
        if self._gfp:
            self._lib.lame_close(self._gfp)
            self._gfp = None

    def __del__(self) -> None:
        gfp = getattr(self, "_gfp", None)
        if gfp:
            self._lib.lame_close(gfp)
            self._gfp = None


class _FrameCounter:
    """Counts the frames of a CBR stream as its bytes go by (headers may straddle chunks),
    so the tag can be written at stop without reading the file back."""

    def __init__(self) -> None:
        self.frames = 0
        self.bytes = 0
        self._skip = 0  # bytes of the current frame still to come
        self._tail = b""  # an incomplete header from the last chunk

    def feed(self, data: bytes) -> bytes:
        self.bytes += len(data)
        if self._skip >= len(data):
            self._skip -= len(data)
            return data
        buf = self._tail + data[self._skip :]
        self._skip = 0
        pos = 0
        while pos + 4 <= len(buf):
            parsed = _layer3_header(buf, pos)
            if parsed is None:
                pos += 1
                continue
            self.frames += 1
            end = pos + parsed.length
            if end > len(buf):
                self._skip, self._tail = end - len(buf), b""
                return data
            pos = end
        self._tail = buf[pos:]
        return data


@dataclass(frozen=True)
class Mp3Info:
    """What the frame headers say: decoded length includes encoder delay and padding."""

    frames: int  # audio frames (a gapless tag frame is not counted)
    sample_rate: int
    channels: int
    bitrate: int  # kbit/s of the first frame (CBR: of all)
    size_bytes: int
    samples: int | None = None  # exact length from the gapless tag, when there is one

    @property
    def decoded_samples(self) -> int:
        return self.frames * SAMPLES_PER_FRAME

    @property
    def duration(self) -> float:
        """The music's length: exact with a gapless tag, else what a decoder outputs."""
        if not self.sample_rate:
            return 0.0
        length = self.samples if self.samples is not None else self.decoded_samples
        return length / self.sample_rate


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
    with atomic_write(path) as fh:
        fh.write(encoder.tag_placeholder())
        total = len(pcm)
        for start in range(0, total, chunk_frames):
            fh.write(encoder.encode(pcm[start : start + chunk_frames]))
            if progress is not None:
                progress(min(1.0, (start + chunk_frames) / total))
        fh.write(encoder.flush())
        fh.seek(0)
        fh.write(encoder.final_tag())
    return read_mp3_info(path)


# Enough bytes after any position for a whole frame (what the gapless tag check reads).
_READ_CHUNK = 64 * 1024


def _layer3_header(raw: bytes, pos: int) -> FrameHeader | None:
    """The Layer III frame header at ``pos`` (what LAME writes), or None."""
    header = parse_header(raw, pos)
    return header if header is not None and header.layer == 3 else None


def read_mp3_info(path: str | Path) -> Mp3Info:
    """Walk the Layer III frame headers (skipping ID3v2 tags), reading the file a block at
    a time. Raises ValueError if the file holds no MP3 frames. A leading gapless
    (Info/Xing + LAME) tag frame is not counted as audio; its delay and padding give the
    exact length."""
    frames = rate = channels = first_bitrate = 0
    tag = None
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        skip_id3v2(fh)
        buf = b""
        pos = 0
        eof = False
        while True:
            if not eof and len(buf) - pos < MAX_FRAME:
                chunk = fh.read(_READ_CHUNK)
                eof = not chunk
                buf = buf[pos:] + chunk
                pos = 0
            if pos + 4 > len(buf):
                break
            header = _layer3_header(buf, pos)
            if header is None:
                pos += 1
                continue
            if frames == 0 and tag is None:
                tag = lametag.read_info_tag(buf[pos : pos + header.length])
                if tag is not None:
                    pos += header.length
                    continue
            if frames == 0:
                rate, channels, first_bitrate = header.sample_rate, header.channels, header.kbps
            frames += 1
            pos += header.length
    if frames == 0:
        raise ValueError(f"{path}: no MP3 frames found")
    samples = None
    if tag is not None and (tag[1] or tag[2]):
        samples = max(0, frames * lametag.samples_per_frame(rate) - tag[1] - tag[2])
    return Mp3Info(frames, rate, channels, first_bitrate, size, samples)


def looks_playable(path: str | Path, frames: int = 3) -> bool:
    """Whether the file starts with ``frames`` consecutive MP3 frames (reads 64 KB after
    any ID3v2 tags at most): tells a damaged file from a player that failed for its own
    reasons."""
    try:
        with open(path, "rb") as fh:
            skip_id3v2(fh)
            raw = fh.read(_READ_CHUNK)
    except OSError:
        return False
    pos = 0
    while pos + 4 <= len(raw) and _layer3_header(raw, pos) is None:
        pos += 1
    for _ in range(frames):
        parsed = _layer3_header(raw, pos)
        if parsed is None:
            return False
        pos += parsed.length
    return True
