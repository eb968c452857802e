"""MPEG audio frame headers: the one table of bitrates and sample rates, both ways.

Read by the client (counting the frames of an MP3, telling a damaged file from a player
error), by the server (checking an upload before storing it) and used backwards by the
client's gapless-tag writer, which builds a header for a given rate and bitrate.
Layout as in ISO 11172-3 / 13818-3: 11 sync bits, version, layer, bitrate index,
sample-rate index, padding, and the channel mode in the fourth byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

# Version bits: 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5 (1 is reserved).
MPEG1, MPEG2, MPEG25 = 3, 2, 0
# The longest frame (Layer II, 384 kbit/s, 32 kHz, padded) is under 2 KB.
MAX_FRAME = 2048
MAX_ID3_TAGS = 4

# kbit/s by (MPEG-1?, layer); index 0 (free format) and 15 are not allowed.
BITRATES: dict[tuple[bool, int], tuple[int, ...]] = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
SAMPLE_RATES: dict[int, tuple[int, int, int]] = {
    MPEG1: (44100, 48000, 32000),
    MPEG2: (22050, 24000, 16000),
    MPEG25: (11025, 12000, 8000),
}
_RATE_INDEX = {rate: (v, i) for v, rates in SAMPLE_RATES.items() for i, rate in enumerate(rates)}


def frame_length(version: int, layer: int, kbps: int, sample_rate: int, padding: int) -> int:
    """Bytes in one frame, header included."""
    bitrate = kbps * 1000
    if layer == 1:
        return (12 * bitrate // sample_rate + padding) * 4
    if layer == 3 and version != MPEG1:
        return 72 * bitrate // sample_rate + padding
    return 144 * bitrate // sample_rate + padding


def samples_per_frame(version: int, layer: int) -> int:
    if layer == 1:
        return 384
    return 576 if layer == 3 and version != MPEG1 else 1152


def side_info_size(version: int, channels: int) -> int:
    """Bytes of Layer III side information after the header (where an Info tag starts)."""
    if version == MPEG1:
        return 17 if channels == 1 else 32
    return 9 if channels == 1 else 17


@dataclass(frozen=True, slots=True)
class FrameHeader:
    version: int
    layer: int
    kbps: int
    sample_rate: int
    channels: int
    length: int

    @property
    def kind(self) -> tuple[int, int, int]:
        """What stays the same from frame to frame of one stream."""
        return self.version, self.layer, self.sample_rate

    @property
    def samples(self) -> int:
        return samples_per_frame(self.version, self.layer)


def parse_header(data: bytes, pos: int = 0) -> FrameHeader | None:
    """The valid MPEG audio frame header at ``pos``, or None."""
    if pos + 4 > len(data) or data[pos] != 0xFF or (data[pos + 1] & 0xE0) != 0xE0:
        return None
    b1, b2 = data[pos + 1], data[pos + 2]
    version = (b1 >> 3) & 3
    layer = 4 - ((b1 >> 1) & 3)  # 4 means the reserved layer bits 00
    bitrate_index = b2 >> 4
    rate_index = (b2 >> 2) & 3
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    kbps = BITRATES[(version == MPEG1, layer)][bitrate_index]
    rate = SAMPLE_RATES[version][rate_index]
    channels = 1 if (data[pos + 3] >> 6) == 3 else 2
    return FrameHeader(
        version,
        layer,
        kbps,
        rate,
        channels,
        frame_length(version, layer, kbps, rate, (b2 >> 1) & 1),
    )


def layer3_header(sample_rate: int, channels: int, kbps: int) -> bytes:
    """The 4 header bytes of an unpadded Layer III frame without CRC, mono or joint stereo
    as LAME writes them. KeyError for a rate or bitrate Layer III does not have."""
    version, rate_index = _RATE_INDEX[sample_rate]
    table = BITRATES[(version == MPEG1, 3)]
    if kbps not in table[1:]:
        raise KeyError(kbps)
    mode = 3 if channels == 1 else 1
    return bytes(
        [
            0xFF,
            0xE0 | (version << 3) | (1 << 1) | 1,
            (table.index(kbps) << 4) | (rate_index << 2),
            mode << 6,
        ]
    )


def version_of(sample_rate: int) -> int:
    """The MPEG version that carries ``sample_rate`` (KeyError if none does)."""
    return _RATE_INDEX[sample_rate][0]


def skip_id3v2(stream: BinaryIO) -> None:
    """Seek past ID3v2 tags at the stream's position, never reading their bodies (cover
    art may be megabytes)."""
    for _ in range(MAX_ID3_TAGS):
        start = stream.tell()
        header = stream.read(10)
        if len(header) < 10 or header[:3] != b"ID3" or any(b >= 0x80 for b in header[6:10]):
            stream.seek(start)
            return
        size = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]
        footer = 10 if header[5] & 0x10 else 0
        stream.seek(start + 10 + size + footer)
