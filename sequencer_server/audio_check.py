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

from sequencer_common.mp3_frames import MAX_FRAME, parse_header, skip_id3v2

FRAMES_REQUIRED = 3
# Zero padding some encoders leave between the ID3 tag and the first frame.
MAX_PADDING = 64 * 1024


def looks_like_mp3(stream: BinaryIO) -> bool:
    """True when ``stream`` (seekable, read from its start) holds a run of MPEG frames."""
    stream.seek(0)
    skip_id3v2(stream)
    window = stream.read(MAX_PADDING + FRAMES_REQUIRED * MAX_FRAME)
    pos = len(window) - len(window.lstrip(b"\0"))
    if pos > MAX_PADDING:
        return False
    kind = None
    for count in range(FRAMES_REQUIRED):
        if pos == len(window) or window.startswith(b"TAG", pos):
            return count > 0 and len(window) < MAX_PADDING + FRAMES_REQUIRED * MAX_FRAME
        frame = parse_header(window, pos)
        if frame is None or (kind is not None and frame.kind != kind):
            return False
        kind = frame.kind
        pos += frame.length
    return True


CHECKS = {"mp3": looks_like_mp3}
CONTENT_TYPES = {"mp3": "audio/mpeg"}
