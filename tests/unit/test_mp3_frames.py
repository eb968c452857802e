"""sequencer_common.mp3_frames: the one MPEG frame header table, checked against known
frames (hand-decoded headers and what LAME itself writes)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio.mp3 import Mp3Encoder, encode_mp3, looks_playable, read_mp3_info
from sequencer_common.mp3_frames import (
    BITRATES,
    MPEG1,
    MPEG2,
    MPEG25,
    SAMPLE_RATES,
    layer3_header,
    parse_header,
    skip_id3v2,
)

# (header, version, layer, kbit/s, Hz, channels, frame length)
KNOWN = [
    ("FFFB9064", MPEG1, 3, 128, 44100, 2, 417),  # the most common MP3 frame there is
    ("FFFB9264", MPEG1, 3, 128, 44100, 2, 418),  # the same, padded
    ("FFFBE4C4", MPEG1, 3, 320, 48000, 1, 960),
    ("FFF348C4", MPEG2, 3, 32, 16000, 1, 144),  # MPEG-2 Layer III: 72 bytes per kbit/Hz
    ("FFE31044", MPEG25, 3, 8, 11025, 2, 52),
    ("FFFF9000", MPEG1, 1, 288, 44100, 2, 312),  # Layer I: 4-byte slots
    ("FFFDA400", MPEG1, 2, 192, 48000, 2, 576),
]


@pytest.mark.parametrize(("hexa", "version", "layer", "kbps", "rate", "channels", "length"), KNOWN)
def test_known_headers(
    hexa: str, version: int, layer: int, kbps: int, rate: int, channels: int, length: int
) -> None:
    header = parse_header(bytes.fromhex(hexa))
    assert header is not None
    assert (header.version, header.layer, header.kbps) == (version, layer, kbps)
    assert (header.sample_rate, header.channels, header.length) == (rate, channels, length)


@pytest.mark.parametrize(
    "hexa",
    [
        "FFFBF064",  # bitrate index 15
        "FFFB0064",  # free format (index 0)
        "FFFB9C64",  # sample-rate index 3
        "FFEB9064",  # version bits 01 (reserved)
        "FFF99064",  # layer bits 00 (reserved)
        "FF7B9064",  # broken sync
        "FFFB90",  # cut short
    ],
)
def test_invalid_headers(hexa: str) -> None:
    assert parse_header(bytes.fromhex(hexa)) is None


def test_layer3_header_round_trips_every_rate_and_bitrate() -> None:
    for version, rates in SAMPLE_RATES.items():
        for rate in rates:
            for kbps in BITRATES[(version == MPEG1, 3)][1:]:
                for channels in (1, 2):
                    header = parse_header(layer3_header(rate, channels, kbps))
                    assert header is not None
                    assert header.kind == (version, 3, rate)
                    assert (header.kbps, header.channels) == (kbps, channels)
    with pytest.raises(KeyError):
        layer3_header(44100, 2, 8)  # an MPEG-2 bitrate at an MPEG-1 rate
    with pytest.raises(KeyError):
        layer3_header(96000, 2, 320)


def test_what_lame_writes_chains_frame_to_frame() -> None:
    encoder = Mp3Encoder(44100, 2, 192)
    data = encoder.encode(np.zeros((44100, 2), np.float32)) + encoder.flush()
    pos = frames = 0
    while pos < len(data):
        header = parse_header(data, pos)
        assert header is not None, f"no frame where the previous one ended ({pos})"
        assert header.kind == (MPEG1, 3, 44100) and header.kbps == 192
        pos += header.length
        frames += 1
    assert pos == len(data) and frames == encoder._counter.frames


def test_skip_id3v2_seeks_past_tags_without_reading_them() -> None:
    body = b"\0" * 300
    tag = b"ID3\x04\x00\x00" + bytes([0, 0, 2, 0x2C]) + body  # syncsafe 300
    stream = io.BytesIO(tag + tag + b"\xff\xfb\x90\x64")
    skip_id3v2(stream)
    assert stream.read(4) == bytes.fromhex("FFFB9064")
    plain = io.BytesIO(b"not a tag")
    skip_id3v2(plain)
    assert plain.tell() == 0


def test_read_mp3_info_streams_past_a_large_id3_tag(tmp_path: Path) -> None:
    """Cover art bigger than a read block: the reader seeks past it and still finds the
    gapless tag, and a file larger than a block is walked to its end."""
    path = encode_mp3(np.zeros((44100 * 3, 2), np.float32), 44100, tmp_path / "a.mp3", 320)
    plain = read_mp3_info(tmp_path / "a.mp3")
    size = 200_000
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(
        b"ID3\x03\x00\x00"
        + syncsafe
        + b"\xff\xfb" * (size // 2)
        + (tmp_path / "a.mp3").read_bytes()
    )
    info = read_mp3_info(tagged)
    assert (info.frames, info.samples, info.bitrate) == (plain.frames, 44100 * 3, 320)
    assert info.size_bytes == tagged.stat().st_size
    assert plain.size_bytes > 64 * 1024 and path.samples == 44100 * 3
    assert looks_playable(tagged)
