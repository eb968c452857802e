"""Reading the user's audio files (kit samples, files dropped on a thread) with libsndfile.

User audio is untrusted input from every sample pack and DAW there is: 8 to 32-bit
integer and 32/64-bit float WAV, WAVE_FORMAT_EXTENSIBLE, RF64, AIFF, FLAC. libsndfile
(through ``soundfile``, whose wheel bundles it) has decoded all of them for decades and is
fuzzed continuously, which a hand-written RIFF reader is not. Other formats libsndfile
knows (MP3, Ogg, raw) are refused: what we accept is what we say we accept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# libsndfile's major formats that we take; the file's contents decide, not its name.
FORMATS = {
    "WAV": "WAV",
    "WAVEX": "WAV",
    "RF64": "WAV",
    "W64": "WAV",
    "AIFF": "AIFF",
    "FLAC": "FLAC",
}
SUFFIXES = (".wav", ".wave", ".aif", ".aiff", ".flac")


class AudioFileError(ValueError):
    """A file that is not audio we can decode; the message says why."""


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Decode a WAV, AIFF or FLAC file to float32 frames ``(n, channels)`` in -1..1 (float
    files keep what they hold) and its sample rate. ``OSError`` when the file cannot be
    opened, ``AudioFileError`` when it is not audio we take."""
    # Imported here: libsndfile and cffi are only needed for user files, and ``sequencer
    # render`` with the built-in kit never reads one.
    import soundfile

    with open(path, "rb") as fh:
        try:
            with soundfile.SoundFile(fh) as sound:
                if sound.format not in FORMATS:
                    raise AudioFileError(
                        f"{sound.format} audio is not supported; use WAV, AIFF or FLAC"
                    )
                if sound.channels < 1 or sound.samplerate < 1:
                    raise AudioFileError(
                        f"{sound.channels} channels at {sound.samplerate} Hz is not playable"
                    )
                frames = sound.read(dtype="float32", always_2d=True)
                return frames, int(sound.samplerate)
        except soundfile.SoundFileError as exc:
            words = str(getattr(exc, "error_string", exc)).rstrip(".")
            if "Format not recognised" in words:
                raise AudioFileError("not a WAV, AIFF or FLAC file") from None
            raise AudioFileError(f"damaged or unsupported audio ({words})") from None
