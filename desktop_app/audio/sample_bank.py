"""The musician's own samples as the engine plays them: decoded audio by SHA-256.

A track that plays its own sound names it by the SHA-256 of the file's bytes (issue 15).
The bank asks a ``SampleLookup`` (the client's ``SampleCache``, or a plain folder for the
command line) for that file, decodes it once with libsndfile, converts it to the engine's
rate with the deterministic interpolation of ``sample_shaping`` (so a second client
decoding the same bytes plays the same samples), and keeps it, least recently used first
out past ``max_bytes``. A file that is missing or cannot be decoded is ``None``: the
sequencer plays silence for that track and says so once.

``load`` decodes on the caller's thread (the GUI, when a pattern is opened or a sample
dropped), so the engine's feeder thread normally only finds what is already decoded.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np

from desktop_app.audio.audio_files import TRACK_FORMATS, AudioFileError, read_audio
from desktop_app.audio.sample_shaping import to_rate
from desktop_app.domain.sample import SAMPLE_FORMATS, SHA256_RE

log = logging.getLogger(__name__)

# What a track's own sample may be (issue 15): longer or bigger files are refused.
MAX_SAMPLE_SECONDS = 30.0
MAX_SAMPLE_BYTES = 50 * 1024 * 1024
# Decoded audio kept: 30 s of stereo float32 at 48 kHz is 11.5 MB, so this holds the
# samples of any pattern several times over.
DEFAULT_BANK_BYTES = 256 * 1024 * 1024


class SampleLookup(Protocol):
    """Where a sample's file is, by SHA-256 (``SampleCache.lookup`` is one)."""

    def lookup(self, sha256: str) -> Path | None: ...


class FolderLookup:
    """A folder of ``{sha256}.{ext}`` files, read only (the sample cache's layout), for
    tools that play from the cache without managing it."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def lookup(self, sha256: str) -> Path | None:
        if not SHA256_RE.match(sha256):
            return None
        for fmt in SAMPLE_FORMATS:
            path = self.folder / f"{sha256}.{fmt}"
            if path.is_file():
                return path
        return None


class NoSamples:
    """A lookup that has no samples: every own sample is missing."""

    def lookup(self, sha256: str) -> Path | None:
        return None


def _as_channels(frames: np.ndarray) -> np.ndarray:
    """Mono stays mono ``(n,)``, stereo stays ``(n, 2)``; more channels fold to stereo."""
    if frames.shape[1] == 1:
        return np.ascontiguousarray(frames[:, 0])
    if frames.shape[1] == 2:
        return np.ascontiguousarray(frames)
    left = frames[:, 0::2].mean(axis=1)
    right = frames[:, 1::2].mean(axis=1)
    return np.ascontiguousarray(np.stack([left, right], axis=1))


def decode_sample(path: str | os.PathLike[str], sample_rate: int) -> np.ndarray:
    """A sample file as the engine plays it: float32 at ``sample_rate``, mono ``(n,)``
    or stereo ``(n, 2)``. ``AudioFileError`` (the message says why) for a file that is
    not audio we take, too long, too big or empty; ``OSError`` when it cannot be read."""
    size = os.stat(path).st_size
    if size > MAX_SAMPLE_BYTES:
        raise AudioFileError(
            f"it is {size / 1024 / 1024:.1f} MB; the limit is {MAX_SAMPLE_BYTES // 1024 // 1024} MB"
        )
    frames, rate = read_audio(Path(path), TRACK_FORMATS, max_seconds=MAX_SAMPLE_SECONDS)
    if len(frames) == 0:
        raise AudioFileError("it contains no audio")
    frames = np.nan_to_num(frames, nan=0.0, posinf=1.0, neginf=-1.0)
    return _as_channels(to_rate(frames, rate, sample_rate))


class SampleBank:
    """``SampleBank(lookup, sample_rate)``: decoded own samples by SHA-256. Thread-safe
    (the GUI loads, the engine's feeder and a bounce read)."""

    def __init__(
        self, lookup: SampleLookup, sample_rate: int, max_bytes: int = DEFAULT_BANK_BYTES
    ) -> None:
        self._lookup = lookup
        self.sample_rate = sample_rate
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._audio: OrderedDict[str, np.ndarray] = OrderedDict()
        self._bytes = 0

    def audio(self, sha256: str) -> np.ndarray | None:
        """The decoded sample, or None when it is not there or not playable."""
        with self._lock:
            data = self._audio.get(sha256)
            if data is not None:
                self._audio.move_to_end(sha256)
                return data
        path = self._lookup.lookup(sha256)
        if path is None:
            return None
        try:
            data = decode_sample(path, self.sample_rate)
        except (AudioFileError, OSError) as exc:
            log.warning("sample %s (%s) cannot be played: %s", sha256[:12], path, exc)
            return None
        data.setflags(write=False)
        with self._lock:
            if sha256 not in self._audio:
                self._audio[sha256] = data
                self._bytes += data.nbytes
                self._trim(keep=sha256)
            return self._audio[sha256]

    def load(self, sha256s: list[str]) -> list[str]:
        """Decode these samples now (on this thread); returns those that are missing."""
        return [sha for sha in sha256s if self.audio(sha) is None]

    def forget(self, sha256: str) -> None:
        """Drop a decoded sample (its file changed or was fetched again)."""
        with self._lock:
            data = self._audio.pop(sha256, None)
            if data is not None:
                self._bytes -= data.nbytes

    def _trim(self, keep: str) -> None:
        while self._bytes > self._max_bytes and len(self._audio) > 1:
            sha, data = next(iter(self._audio.items()))
            if sha == keep:
                self._audio.move_to_end(sha)
                continue
            del self._audio[sha]
            self._bytes -= data.nbytes


__all__ = [
    "DEFAULT_BANK_BYTES",
    "MAX_SAMPLE_BYTES",
    "MAX_SAMPLE_SECONDS",
    "FolderLookup",
    "NoSamples",
    "SampleBank",
    "SampleLookup",
    "decode_sample",
]
