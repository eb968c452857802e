"""What a sample upload is: its format and length, read by libsndfile from the spooled file.

We let soundfile (libsndfile, already a dependency for the desktop's audio) parse the
headers rather than reading RIFF, FORM, fLaC and OggS chunks ourselves: it knows every
variant of those containers the desktop can play (WAVE_FORMAT_EXTENSIBLE, AIFC, Vorbis
and Opus in Ogg), and what it cannot open the desktop could not play either. It reads the
headers only, plus, for MP3, the frames needed for the length. MP3 must also pass our own
frame check (``audio_check.looks_like_mp3``): libsndfile's MPEG reader accepts a stray
frame sync in anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import soundfile

from sequencer_server.audio_check import looks_like_mp3

# libsndfile's major format → our extension, and what it is served as.
FORMATS = {"WAV": "wav", "AIFF": "aiff", "FLAC": "flac", "OGG": "ogg", "MP3": "mp3"}
SAMPLE_CONTENT_TYPES = {
    "wav": "audio/wav",
    "aiff": "audio/aiff",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
}
NOT_AUDIO = "file: not an audio file this server keeps as a sample (WAV, AIFF, FLAC, OGG or MP3)"


class SampleRefused(Exception):
    """The file is not a sample we keep; ``status`` and ``detail`` are the HTTP answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class SampleInfo:
    format: str  # our extension: wav, aiff, flac, ogg, mp3
    duration: float  # seconds


def inspect_sample(stream: BinaryIO) -> SampleInfo:
    """The format and length of the audio in ``stream`` (seekable; left at its start), or
    ``SampleRefused`` (415) when it is not audio in one of our five formats."""
    stream.seek(0)
    try:
        info = soundfile.info(stream)
    except (RuntimeError, TypeError, ValueError):  # LibsndfileError is a RuntimeError
        raise SampleRefused(415, NOT_AUDIO) from None
    finally:
        stream.seek(0)
    fmt = FORMATS.get(info.format)
    if fmt is None:
        raise SampleRefused(415, f"{NOT_AUDIO}; this is {info.format_info}")
    if fmt == "mp3" and not looks_like_mp3(stream):
        stream.seek(0)
        raise SampleRefused(415, f"{NOT_AUDIO}; no run of MPEG audio frames")
    stream.seek(0)
    if info.frames <= 0 or info.samplerate <= 0:
        raise SampleRefused(422, "file: the audio holds no sound (zero frames)")
    return SampleInfo(format=fmt, duration=round(info.frames / info.samplerate, 3))
