"""Samples on the client: hashing a local file, and a cache of samples from the server.

A sample is named by its SHA-256 everywhere: the snapshot's tracks carry
``sample_sha256``, the server stores ``{sha256}.{ext}``, and this cache keeps
``<cache>/samples/{sha256}.{ext}``. A downloaded file is only ever put under that name
after its bytes hash to it, so a file in the cache is the sample, whatever the URL
served. Least recently used files go first when the folder passes the cap, except the
samples of the open pattern (``protect``): evicting those would silence a track that is
playing.

No index file, unlike the render cache: the folder's names say which sample each file is,
and a file's mtime (set when it is used) orders the evictions, so the folder cannot drift
from an index and needs no reconciling.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from desktop_app.domain.sample import SAMPLE_FORMATS, SHA256_RE, Sample, check_sha256
from desktop_app.services.cache_budget import sample_cap_bytes, size_text
from desktop_app.services.download_source import DownloadSource
from sequencer_common.atomic import atomic_path, atomic_write

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
# The sounds' share of the default cache limit (``cache_budget``).
DEFAULT_SAMPLE_CAP_BYTES = sample_cap_bytes(1024)


class SampleError(Exception):
    """A sample could not be put into the cache (bad hash, download refused)."""


class OverBudget(SampleError):
    """Fetching this sample would take a Load past its ``FetchBudget``: not started."""


class FetchCancelled(SampleError):
    """The Load this fetch was for was superseded: no further download is started."""


class FetchBudget:
    """How many bytes one Load may still download, shared with the worker that fetches.
    ``take`` is asked with the size the server announces before a download starts (and
    the download stops at that size), so a Load never starts downloads past its budget;
    ``cancel`` stops it from starting any more."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = int(max_bytes)
        self._taken = 0
        self._cancelled = False
        self._lock = threading.Lock()

    @property
    def taken(self) -> int:
        return self._taken

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        self._cancelled = True

    def check(self) -> None:
        if self._cancelled:
            raise FetchCancelled("another pattern was loaded meanwhile")

    def take(self, size_bytes: int) -> None:
        """Count ``size_bytes`` against the budget, or raise (nothing counted)."""
        with self._lock:
            self.check()
            if size_bytes < 0 or self._taken + size_bytes > self.max_bytes:
                raise OverBudget(
                    f"its {size_text(size_bytes)} would take the Load past the "
                    f"{size_text(self.max_bytes)} it may fetch"
                )
            self._taken += size_bytes


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a local file, read in chunks (samples may be 50 MB)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class SampleSource(DownloadSource, Protocol):
    """What the cache needs from the server (``ApiClient``): a sample's record, then its
    file."""

    def get_sample(self, sha256: str) -> Sample: ...


class SampleCache:
    """``SampleCache(folder, source, cap_bytes)``: thread-safe (downloads run on workers).
    Without a ``source`` (``sequencer render`` until a sample turns out to be missing)
    it only looks up and adds local files. ``cap_bytes`` may be a function, asked only
    when the cache trims itself: the commands read the cap from the settings (and so load
    Qt) only when they have something to trim."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        source: SampleSource | None = None,
        cap_bytes: int | Callable[[], int] = DEFAULT_SAMPLE_CAP_BYTES,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._source = source
        self._cap: int | Callable[[], int] = cap_bytes if callable(cap_bytes) else int(cap_bytes)
        self._clock = clock
        self._lock = threading.RLock()
        self._open: frozenset[str] = frozenset()

    @property
    def cap_bytes(self) -> int:
        return int(self._cap()) if callable(self._cap) else self._cap

    def set_source(self, source: SampleSource | None) -> None:
        """Fetch from another server from now on (the user switched servers); what is
        cached stays: a sample is the same sample whichever server served it."""
        self._source = source

    def set_cap(self, cap_bytes: int, protect: Iterable[str] = ()) -> list[str]:
        self._cap = int(cap_bytes)
        return self.evict(protect)

    def protect_open(self, sha256s: Iterable[str]) -> None:
        """The samples of the open pattern: never evicted (until the next call), whatever
        the other calls protect."""
        self._open = frozenset(sha256s)

    def lookup(self, sha256: str) -> Path | None:
        """The cached file of the sample, marked as used now; None when not cached."""
        check_sha256(sha256)
        for fmt in SAMPLE_FORMATS:
            path = self.folder / f"{sha256}.{fmt}"
            try:
                now = self._clock()
                os.utime(path, (now, now))
            except FileNotFoundError:
                continue
            return path
        return None

    def fetch(
        self, sha256: str, protect: Iterable[str] = (), budget: FetchBudget | None = None
    ) -> Path:
        """The cached file of the sample, downloaded first if needed (blocking: call from
        a worker). The download is hashed before it gets its cache name; a mismatch is
        deleted and raised as ``SampleError``. Then the cache is trimmed to its cap,
        never evicting this sample nor those in ``protect``. With a ``budget``, the size
        the server announces is taken from it before the download starts
        (``OverBudget``, ``FetchCancelled``: nothing downloaded)."""
        existing = self.lookup(sha256)
        if existing is not None:
            return existing
        # Here, not at the top: the outbox hashes with this module, and ``sequencer outbox``
        # should not load the render cache (and its MP3 reader) to do so.
        from desktop_app.services.audio_cache import absolute_url

        source = self._source
        if source is None:
            raise SampleError(f"sample {sha256[:12]}… is not cached and no server was given")
        if budget is not None:
            budget.check()
        sample = source.get_sample(sha256)
        if sample.sha256 != sha256 or sample.format not in SAMPLE_FORMATS:
            raise SampleError(f"the server answered another sample for {sha256[:12]}…")
        if budget is not None:
            budget.take(sample.size_bytes)
        dest = self.folder / f"{sha256}.{sample.format}"
        with atomic_path(dest, hidden=True) as part:
            source.download(
                absolute_url(sample.url, source.base_url),
                part,
                expected_size=sample.size_bytes,
            )
            got = sha256_file(part)
            if got != sha256:
                raise SampleError(
                    f"sample {sha256[:12]}… downloaded with the wrong content "
                    f"(its SHA-256 is {got[:12]}…); not kept"
                )
        now = self._clock()
        os.utime(dest, (now, now))
        self.evict({*protect, sha256})
        return dest

    def add_local(self, path: str | os.PathLike[str], protect: Iterable[str] = ()) -> Path:
        """Put a file the user picked (and is about to upload) into the cache under its
        hash, so the pattern plays it without a download. Returns the cached path."""
        source = Path(path)
        sha = sha256_file(source)
        fmt = source.suffix.lstrip(".").lower()
        fmt = {"aif": "aiff", "wave": "wav", "oga": "ogg"}.get(fmt, fmt)
        if fmt not in SAMPLE_FORMATS:
            raise SampleError(f"{source.name}: not a sample format ({', '.join(SAMPLE_FORMATS)})")
        existing = self.lookup(sha)
        if existing is not None:
            return existing
        dest = self.folder / f"{sha}.{fmt}"
        with atomic_write(dest, hidden=True) as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, CHUNK)
        self.evict({*protect, sha})
        return dest

    def entries(self) -> list[tuple[str, int, float]]:
        """(sha256, size, last used) of every cached sample, least recently used first."""
        found = []
        for path in self.folder.iterdir():
            sha, _, fmt = path.name.partition(".")
            if fmt not in SAMPLE_FORMATS or not SHA256_RE.match(sha):
                continue
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            found.append((sha, st.st_size, st.st_mtime))
        return sorted(found, key=lambda e: e[2])

    def total_bytes(self) -> int:
        return sum(size for _sha, size, _used in self.entries())

    def clear(self, protect: Iterable[str] = ()) -> tuple[int, int]:
        """Delete every cached sample except those in ``protect`` (and the open
        pattern's); returns (files, bytes) deleted. Queued messages keep their own link
        to each sample (the outbox's folder), so they are delivered all the same."""
        keep = set(protect) | self._open
        files = freed = 0
        with self._lock:
            for sha, size, _used in self.entries():
                if sha in keep:
                    continue
                for fmt in SAMPLE_FORMATS:
                    (self.folder / f"{sha}.{fmt}").unlink(missing_ok=True)
                files += 1
                freed += size
        return files, freed

    def evict(self, protect: Iterable[str] = ()) -> list[str]:
        """Delete least recently used samples until the total fits the cap; samples in
        ``protect`` (and those of ``protect_open``) stay even when that leaves the cache
        over it."""
        keep = set(protect) | self._open
        evicted: list[str] = []
        with self._lock:
            entries = self.entries()
            total = sum(size for _sha, size, _used in entries)
            cap = self.cap_bytes
            for sha, size, _used in entries:
                if total <= cap:
                    break
                if sha in keep:
                    continue
                for fmt in SAMPLE_FORMATS:
                    (self.folder / f"{sha}.{fmt}").unlink(missing_ok=True)
                total -= size
                evicted.append(sha)
        if evicted:
            log.info("sample cache: evicted %d file(s) to stay under the cap", len(evicted))
        return evicted
