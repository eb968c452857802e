"""Reading the user's audio files (kit samples, files dropped on a thread) with libsndfile.

User audio is untrusted input from every sample pack and DAW there is: 8 to 32-bit
integer and 32/64-bit float WAV, WAVE_FORMAT_EXTENSIBLE, RF64, AIFF, FLAC. libsndfile
(through ``soundfile``, whose wheel bundles it) has decoded all of them for decades and is
fuzzed continuously, which a hand-written RIFF reader is not. Other formats libsndfile
knows (MP3, Ogg, raw) are refused: what we accept is what we say we accept. A track's own
sample may also be Ogg (Vorbis, Opus) or MP3 (``TRACK_FORMATS``): libsndfile
1.1 and later decode MP3 through mpg123 — the soundfile wheel bundles such a build, and
Debian 12's libsndfile1 (1.2.0) is one too.
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
TRACK_FORMATS = {**FORMATS, "OGG": "OGG", "MP3": "MP3"}
TRACK_SUFFIXES = (*SUFFIXES, ".ogg", ".oga", ".mp3")


# What a real recording uses at most; a file claiming more (a few hundred KB of FLAC
# silence can claim 655 kHz on 8 channels: 30 s of it decodes to 2 GB) is refused unread.
MAX_RATE = 384_000
MAX_CHANNELS = 32
# With ``max_seconds``: the decoded values allowed per second of the limit, stereo at
# 192 kHz (or 8 channels at 48 kHz), so the limit bounds memory as well as length.
VALUES_PER_SECOND = 2 * 192_000


class AudioFileError(ValueError):
    """A file that is not audio we can decode; the message says why."""


def _format_names(formats: dict[str, str]) -> str:
    names = list(dict.fromkeys(formats.values()))
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def read_audio(
    path: str | Path,
    formats: dict[str, str] = FORMATS,
    max_seconds: float | None = None,
) -> tuple[np.ndarray, int]:
    """Decode a WAV, AIFF or FLAC file (or one of ``formats``) to float32 frames
    ``(n, channels)`` in -1..1 (float files keep what they hold) and its sample rate.
    ``OSError`` when the file cannot be opened, ``AudioFileError`` when it is not audio we
    take or, with ``max_seconds``, when it is longer or holds more values than
    ``max_seconds`` of stereo at 192 kHz (checked before decoding it)."""
    # Imported here: libsndfile and cffi are only needed for user files, and ``sequencer
    # render`` with the built-in kit never reads one.
    import soundfile

    with open(path, "rb") as fh:
        try:
            with soundfile.SoundFile(fh) as sound:
                if sound.format not in formats:
                    raise AudioFileError(
                        f"{sound.format} audio is not supported; use {_format_names(formats)}"
                    )
                if not (1 <= sound.channels <= MAX_CHANNELS and 1 <= sound.samplerate <= MAX_RATE):
                    raise AudioFileError(
                        f"{sound.channels} channels at {sound.samplerate} Hz is not playable"
                    )
                if max_seconds is not None:
                    _check_size(sound.frames, sound.channels, sound.samplerate, max_seconds)
                frames = sound.read(dtype="float32", always_2d=True)
                return frames, int(sound.samplerate)
        except soundfile.SoundFileError as exc:
            words = str(getattr(exc, "error_string", exc)).rstrip(".")
            if "Format not recognised" in words:
                raise AudioFileError(f"not a {_format_names(formats)} file") from None
            raise AudioFileError(f"damaged or unsupported audio ({words})") from None


def _check_size(frames: int, channels: int, rate: int, max_seconds: float) -> None:
    if frames > max_seconds * rate:
        raise AudioFileError(f"it is {frames / rate:.1f} s long; the limit is {max_seconds:g} s")
    if frames * channels > max_seconds * VALUES_PER_SECOND:
        raise AudioFileError(
            f"it is {channels} channels at {rate} Hz, too much audio to load: "
            f"{max_seconds:g} s of stereo at up to 192 kHz is the limit"
        )


def as_played_channels(frames: np.ndarray) -> np.ndarray:
    """Frames ``(n, channels)`` as the engine plays a sample: mono stays mono ``(n,)``,
    stereo stays ``(n, 2)``, more channels fold down to stereo (odd ones left, even right)."""
    if frames.shape[1] == 1:
        return np.ascontiguousarray(frames[:, 0])
    if frames.shape[1] == 2:
        return np.ascontiguousarray(frames)
    left = frames[:, 0::2].mean(axis=1)
    right = frames[:, 1::2].mean(axis=1)
    return np.ascontiguousarray(np.stack([left, right], axis=1))
