"""The musician's own samples as the engine plays them: decoded audio by SHA-256.

A track that plays its own sound names it by the SHA-256 of the file's bytes.
The bank asks a ``SampleLookup`` (the client's ``SampleCache``, or a plain folder for the
command line) for that file, decodes it once with libsndfile, converts it to the engine's
rate with the deterministic interpolation of ``sample_shaping`` (so a second client
decoding the same bytes plays the same samples), and keeps it, least recently used first
out past ``max_bytes``. A file that is missing or cannot be decoded is ``None``: the
sequencer plays silence for that track and says so once.

The bank also keeps each sample as the tracks play it (``shaped``: pitched, cut to its
decay). ``shaped`` computes what it does not have on the caller's thread: right for a
bounce, wrong for the window (a 30 s sample pitched two octaves down is two minutes of
audio, over a second to compute). The engine therefore never asks it to: a
``SoundPreparer`` (``sound_preparer``) computes on its own thread, and the feeder only
takes what is ``ready``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np

from desktop_app.audio.audio_files import (
    TRACK_FORMATS,
    AudioFileError,
    as_played_channels,
    read_audio,
)
from desktop_app.audio.sample_shaping import shape, to_rate
from desktop_app.domain.pattern import Pattern
from desktop_app.domain.sample import SAMPLE_FORMATS, SHA256_RE

log = logging.getLogger(__name__)

# What a track's own sample may be: longer or bigger files are refused.
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
    return as_played_channels(to_rate(frames, rate, sample_rate))


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
        # Decoded samples by SHA-256 and shaped ones by (SHA-256, pitch, decay), one budget.
        self._audio: OrderedDict[str | tuple[str, float, float | None], np.ndarray] = OrderedDict()
        self._bytes = 0
        # Samples whose last lookup found no file, and those whose file did not decode:
        # what the feeder may call missing. A file cannot become decodable (it is named by
        # its content), but one that was absent may arrive at any time.
        self._absent: set[str] = set()
        self._undecodable: set[str] = set()

    def audio(self, sha256: str) -> np.ndarray | None:
        """The decoded sample, or None when it is not there or not playable."""
        data = self._cached(sha256)
        if data is not None:
            return data
        path = self._lookup.lookup(sha256)
        if path is None:
            self._set_failed(sha256, self._absent)
            return None
        try:
            data = decode_sample(path, self.sample_rate)
        except (AudioFileError, OSError) as exc:
            log.warning("sample %s (%s) cannot be played: %s", sha256[:12], path, exc)
            self._set_failed(sha256, self._undecodable)
            return None
        self._set_failed(sha256, None)
        return self._keep(sha256, data)

    def ready(self, sha256: str, pitch: float, decay: float | None) -> np.ndarray | None:
        """The sample as ``shaped`` gives it if it has been computed already, else None;
        never decodes nor shapes (the engine's feeder calls it between blocks)."""
        return self._cached(sha256 if not pitch and decay is None else (sha256, pitch, decay))

    def failed(self, sha256: str) -> bool:
        """Whether the last attempt to read the sample found it missing or undecodable."""
        with self._lock:
            return sha256 in self._absent or sha256 in self._undecodable

    def missing(self, sha256: str) -> bool:
        """Whether the sample cannot be played here, answered without decoding (the window
        asks while painting): its file is not there (looked for now), or it failed to
        decode."""
        with self._lock:
            if sha256 in self._audio:
                return False
            if sha256 in self._undecodable:
                return True
        return self._lookup.lookup(sha256) is None

    def _set_failed(self, sha256: str, failed: set[str] | None) -> None:
        """Record the outcome of reading the sample: in ``failed``, or (None) read."""
        with self._lock:
            self._absent.discard(sha256)
            self._undecodable.discard(sha256)
            if failed is not None:
                failed.add(sha256)

    def shaped(self, sha256: str, pitch: float, decay: float | None) -> np.ndarray | None:
        """The sample as a track plays it: pitched by ``pitch`` semitones and cut at
        ``decay`` seconds (``sample_shaping.shape``); None when it is missing."""
        if not pitch and decay is None:
            return self.audio(sha256)
        key = (sha256, pitch, decay)
        data = self._cached(key)
        if data is not None:
            return data
        raw = self.audio(sha256)
        if raw is None:
            return None
        return self._keep(key, shape(raw, self.sample_rate, pitch, decay))

    def load(self, sha256s: list[str]) -> list[str]:
        """Decode these samples now (on this thread); returns those that are missing."""
        return [sha for sha in sha256s if self.audio(sha) is None]

    def prepare(self, pattern: Pattern) -> list[str]:
        """Decode and shape every own sound of ``pattern`` now, on this thread (a worker's:
        ``SoundPreparer``); returns the SHA-256 of those that are missing."""
        missing: list[str] = []
        for track in pattern.tracks:
            sha = track.sample_sha256
            if sha is not None and self.shaped(sha, track.pitch, track.decay) is None:
                missing.append(sha)
        return list(dict.fromkeys(missing))

    def forget(self, sha256: str) -> None:
        """Drop a decoded sample and its shaped forms (its file changed)."""
        with self._lock:
            self._absent.discard(sha256)
            self._undecodable.discard(sha256)
            for key in [
                k for k in self._audio if sha256 in (k, k[0] if isinstance(k, tuple) else None)
            ]:
                self._bytes -= self._audio.pop(key).nbytes

    def _cached(self, key: str | tuple[str, float, float | None]) -> np.ndarray | None:
        with self._lock:
            data = self._audio.get(key)
            if data is not None:
                self._audio.move_to_end(key)
            return data

    def _keep(self, key: str | tuple[str, float, float | None], data: np.ndarray) -> np.ndarray:
        data.setflags(write=False)
        with self._lock:
            if key not in self._audio:
                self._audio[key] = data
                self._bytes += data.nbytes
                self._trim(keep=key)
            return self._audio[key]

    def _trim(self, keep: str | tuple[str, float, float | None]) -> None:
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
