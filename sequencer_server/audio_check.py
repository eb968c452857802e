"""Cheap content checks on uploaded audio, done before anything is stored."""

from __future__ import annotations

# MPEG audio frame header: 11 sync bits, then version (2 bits, 01 reserved), layer
# (2 bits, 00 reserved), protection; then bitrate index (1111 invalid) and sample-rate
# index (11 reserved).


def looks_like_mp3(head: bytes) -> bool:
    """True when ``head`` starts with an ID3v2 tag or a valid MPEG audio frame header."""
    if len(head) >= 10 and head[:3] == b"ID3" and head[3] < 0xFF and head[4] < 0xFF:
        return True
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate_index = head[2] >> 4
    rate_index = (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate_index != 0b1111 and rate_index != 0b11


CHECKS = {"mp3": looks_like_mp3}
CONTENT_TYPES = {"mp3": "audio/mpeg"}
