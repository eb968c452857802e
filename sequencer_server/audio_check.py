"""Content checks on uploaded audio, done before anything is stored.

An MP3 passes when, after any ID3v2 tags (skipped by seeking, however big their cover art),
a run of MPEG audio frames starts: at least ``FRAMES_REQUIRED`` frame headers in a row,
each found exactly where the previous frame's length says the next one begins, all with
the same version, layer and sample rate. A short file passes when its frames chain to the
end (or to an ID3v1 tag). The check reads a few kilobytes whatever the file's size.

We check it ourselves rather than with mutagen: mutagen reads whole ID3 tags into memory
and hunts for a frame sync anywhere in the first part of the file, which lets a file with
one stray sync word pass; a dependency for forty lines of header arithmetic is not worth it.
"""

from __future__ import annotations

from typing import BinaryIO

FRAMES_REQUIRED = 3
# Zero padding some encoders leave between the ID3 tag and the first frame.
MAX_PADDING = 64 * 1024
# The longest MPEG audio frame (Layer I, 448 kbit/s, 32 kHz, padded) is under 2 KB.
MAX_FRAME = 2048
MAX_ID3_TAGS = 4

# Bitrates in kbit/s by (MPEG-1?, layer); index 0 (free format) and 15 are not allowed.
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def frame_at(data: bytes, pos: int) -> tuple[int, tuple[int, int, int]] | None:
    """(length, (version, layer, sample rate)) of a valid MPEG audio frame header at
    ``pos``, or None."""
    if pos + 4 > len(data) or data[pos] != 0xFF or (data[pos + 1] & 0xE0) != 0xE0:
        return None
    version = (data[pos + 1] >> 3) & 0b11  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1 reserved
    layer = 4 - ((data[pos + 1] >> 1) & 0b11)  # 4 means the reserved layer bits 00
    bitrate_index = data[pos + 2] >> 4
    rate_index = (data[pos + 2] >> 2) & 0b11
    padding = (data[pos + 2] >> 1) & 1
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _SAMPLE_RATES[version][rate_index]
    if layer == 1:
        length = (12 * bitrate // rate + padding) * 4
    elif layer == 3 and not mpeg1:
        length = 72 * bitrate // rate + padding
    else:
        length = 144 * bitrate // rate + padding
    return length, (version, layer, rate)


def _skip_id3v2(stream: BinaryIO) -> None:
    """Seek past ID3v2 tags at the stream's position (never reading them)."""
    for _ in range(MAX_ID3_TAGS):
        start = stream.tell()
        header = stream.read(10)
        if len(header) < 10 or header[:3] != b"ID3" or any(b >= 0x80 for b in header[6:10]):
            stream.seek(start)
            return
        size = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]
        footer = 10 if header[5] & 0x10 else 0
        stream.seek(start + 10 + size + footer)


def looks_like_mp3(stream: BinaryIO) -> bool:
    """True when ``stream`` (seekable, read from its start) holds a run of MPEG frames."""
    stream.seek(0)
    _skip_id3v2(stream)
    window = stream.read(MAX_PADDING + FRAMES_REQUIRED * MAX_FRAME)
    pos = len(window) - len(window.lstrip(b"\0"))
    if pos > MAX_PADDING:
        return False
    kind = None
    for count in range(FRAMES_REQUIRED):
        if pos == len(window) or window.startswith(b"TAG", pos):
            return count > 0 and len(window) < MAX_PADDING + FRAMES_REQUIRED * MAX_FRAME
        frame = frame_at(window, pos)
        if frame is None or (kind is not None and frame[1] != kind):
            return False
        kind = frame[1]
        pos += frame[0]
    return True


CHECKS = {"mp3": looks_like_mp3}
CONTENT_TYPES = {"mp3": "audio/mpeg"}
