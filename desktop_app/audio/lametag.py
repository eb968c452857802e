"""The Info/LAME tag: the first frame of an MP3 that tells decoders how many frames follow,
how much encoder delay to skip and how much padding to drop at the end.

Without it every MP3 starts with ~1,100 samples of silence and ends with up to a frame of
padding, so a render that loops seamlessly as PCM clicks or gaps when it loops as an MP3.
With it (FFmpeg, QtMultimedia, browsers, DAWs read it) the decoded audio is sample-exact.
Layout: the Xing/Info header followed by LAME's extension, as documented at
gabriel.mp3-tech.org/mp3infotag.html.
"""

from __future__ import annotations

import struct

from sequencer_common import mp3_frames

LAME_ENCODER_DELAY = 576  # what LAME adds in front; decoders add their own 529


def _crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (poly 0x8005 reflected), the checksum LAME puts on its tag."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def frame_layout(sample_rate: int, channels: int, bitrate: int) -> tuple[bytes, int, int]:
    """(4-byte header without padding, frame length, offset of the Info tag)."""
    header = mp3_frames.layer3_header(sample_rate, channels, bitrate)
    version = mp3_frames.version_of(sample_rate)
    length = mp3_frames.frame_length(version, 3, bitrate, sample_rate, 0)
    return header, length, 4 + mp3_frames.side_info_size(version, channels)


def samples_per_frame(sample_rate: int) -> int:
    return mp3_frames.samples_per_frame(mp3_frames.version_of(sample_rate), 3)


def info_frame(
    *,
    sample_rate: int,
    channels: int,
    bitrate: int,
    audio_frames: int,
    audio_bytes: int,
    samples: int,
) -> bytes:
    """The tag frame for a CBR stream of ``audio_frames`` frames holding ``samples`` PCM
    samples per channel. Same size whatever the counts, so it can be written first as a
    placeholder and overwritten when the stream is complete."""
    header, length, offset = frame_layout(sample_rate, channels, bitrate)
    frame = bytearray(length)
    frame[:4] = header
    total_bytes = audio_bytes + length
    toc = bytes(min(255, i * 256 // 100) for i in range(100))
    xing = b"Info" + struct.pack(">III", 0x0F, audio_frames, total_bytes) + toc
    xing += struct.pack(">I", 0)  # quality
    padding = max(0, audio_frames * samples_per_frame(sample_rate) - LAME_ENCODER_DELAY - samples)
    delay_padding = (min(LAME_ENCODER_DELAY, 4095) << 12) | min(padding, 4095)
    lame = b"LAME3.100"
    lame += bytes([0x01])  # tag revision 0, CBR
    lame += bytes([min(255, sample_rate // 2 // 100)])  # lowpass / 100 Hz
    lame += struct.pack(">f", 0.0) + bytes(4)  # peak, radio and audiophile gain
    lame += bytes([0])  # encoding flags, ATH type
    lame += bytes([min(bitrate, 255)])
    lame += delay_padding.to_bytes(3, "big")
    lame += bytes([0, 0]) + struct.pack(">H", 0)  # misc, MP3 gain, preset
    lame += struct.pack(">I", total_bytes)  # music length
    lame += struct.pack(">H", 0)  # music CRC (not computed)
    body = xing + lame
    frame[offset : offset + len(body)] = body
    end = offset + len(body)
    frame[end : end + 2] = struct.pack(">H", _crc16(bytes(frame[:end])))
    return bytes(frame)


def read_info_tag(frame: bytes) -> tuple[int, int, int] | None:
    """(audio frames, encoder delay, padding) from a tag frame, or None if it is not one."""
    header = mp3_frames.parse_header(frame)
    if header is None:
        return None
    offset = 4 + mp3_frames.side_info_size(header.version, header.channels)
    tag = frame[offset : offset + 4]
    if tag not in (b"Info", b"Xing") or len(frame) < offset + 120:
        return None
    (flags,) = struct.unpack_from(">I", frame, offset + 4)
    pos = offset + 8
    frames = 0
    if flags & 1:
        (frames,) = struct.unpack_from(">I", frame, pos)
        pos += 4
    pos += 4 if flags & 2 else 0
    pos += 100 if flags & 4 else 0
    pos += 4 if flags & 8 else 0
    delay = padding = 0
    if frame[pos : pos + 4] == b"LAME" and len(frame) >= pos + 24:
        v = int.from_bytes(frame[pos + 21 : pos + 24], "big")
        delay, padding = v >> 12, v & 0xFFF
    return frames, delay, padding
