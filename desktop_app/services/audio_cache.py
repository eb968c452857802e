"""Renders kept on disk so that a second play is instant and listening works offline.

Files live in ``<cache>/audio_cache/{render_id}.mp3`` (the seed's names). A small SQLite
index beside them remembers each file's size and when it was last played;
least-recently-played files go first when the folder grows past the cap from the
settings. The sender's own takes are not kept here while they are unsent: the outbox owns
that copy (it is the only one that will ever reach the server), and the take is adopted
under its render id once delivered.

The folder is the truth and the index a cache of it: files added or deleted behind our
back (another process, the user) are reconciled when the cache opens. Thread-safe, because
downloads run on worker threads while the GUI thread looks up what it can play.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.audio.mp3 import read_mp3_info
from desktop_app.domain.message import Message, Render
from desktop_app.services.download_source import Download, DownloadSource, Progress
from desktop_app.services.message_pages import PAGE_SIZE, MessageLister, fetch_changes
from sequencer_common.atomic import atomic_path
from sequencer_common.sqlite_db import Database

log = logging.getLogger(__name__)

MIB = 1024 * 1024
DEFAULT_CAP_BYTES = 1024 * MIB  # the settings' default, 1 GiB
INDEX_NAME = "index.sqlite3"
STALE_PART_SECONDS = 3600.0
BUSY_TIMEOUT_S = 10.0  # the CLI (`sequencer cache`) and the GUI may share the index
# 0: index files of 0.1 (no version kept); 1: the same tables, versioned.
SCHEMA_VERSION = 1

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    last_played REAL NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,  -- unused; kept so index files of 0.1 still open
    peaks TEXT
);
"""


class CacheError(Exception):
    """A render could not be put into the cache (download failed, not an MP3)."""


@dataclass(frozen=True)
class CacheEntry:
    key: str
    size: int
    last_played: float


@dataclass(frozen=True)
class CacheInfo:
    folder: Path
    count: int
    total_bytes: int
    cap_bytes: int


def check_key(key: str) -> str:
    """Render ids become file names: anything that could leave the folder is refused."""
    if not _SAFE_KEY.match(key) or ".." in key:
        raise ValueError(f"not a usable render id: {key!r}")
    return key


def absolute_url(url: str, base_url: str) -> str:
    """Render URLs are absolute per the contract; tolerate a server that sends a path."""
    if url.startswith(("http://", "https://")):
        return url
    return f"{base_url.rstrip('/')}/{url.lstrip('/')}"


def verify_mp3(path: Path) -> None:
    """Raise ``CacheError`` unless ``path`` holds MP3 frames (a truncated or HTML error
    page saved as a render would otherwise only fail once the player tries it)."""
    try:
        info = read_mp3_info(path)
    except (OSError, ValueError) as exc:
        raise CacheError(f"{path.name} is not a playable MP3 ({exc})") from exc
    if info.frames == 0:
        raise CacheError(f"{path.name} holds no audio")


class AudioCache:
    """``AudioCache(folder, cap_bytes=DEFAULT_CAP_BYTES)``; ``close()`` when done."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        cap_bytes: int = DEFAULT_CAP_BYTES,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._cap = int(cap_bytes)
        self._clock = clock
        self._database = Database(self.folder / INDEX_NAME, busy_timeout=BUSY_TIMEOUT_S)
        self._db = self._database.connection
        self._lock = self._database.lock
        self._tx = self._database.transaction
        self._present: set[str] = set()
        with self._lock:
            self._database.ensure_schema(_SCHEMA, SCHEMA_VERSION, what="Sequencer audio cache")
            self._reconcile()

    def close(self) -> None:
        self._database.close()

    # ---- keys and paths ------------------------------------------------------------------
    def path_for(self, key: str) -> Path:
        return self.folder / f"{check_key(key)}.mp3"

    @property
    def cap_bytes(self) -> int:
        return self._cap

    def set_cap(self, cap_bytes: int) -> list[str]:
        """A new cap from the settings; returns the keys evicted to meet it."""
        self._cap = int(cap_bytes)
        return self.evict()

    # ---- reading -----------------------------------------------------------------------
    def contains(self, key: str) -> bool:
        """Cheap (memory only): for painting "not downloaded" on every visible row."""
        return key in self._present

    def lookup(self, key: str) -> Path | None:
        """The file if it is (still) there; a file deleted behind our back is forgotten."""
        try:
            path = self.path_for(key)
        except ValueError:
            return None
        if path.is_file():
            with self._lock:
                if key not in self._present:
                    self._record(key, path.stat().st_size, self._clock())
            return path
        if key in self._present:
            self.drop(key)
        return None

    def is_available(self, message: Message) -> bool:
        return any(r.id in self._present for r in message.renders)

    def entries(self) -> list[CacheEntry]:
        """Most recently played first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, size, last_played FROM entries ORDER BY last_played DESC"
            ).fetchall()
        return [CacheEntry(k, s, lp) for k, s, lp in rows]

    def info(self) -> CacheInfo:
        with self._lock:
            count, total = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries"
            ).fetchone()
        return CacheInfo(self.folder, count, total, self._cap)

    def peaks(self, key: str) -> tuple[float, ...] | None:
        """Waveform peaks computed locally for a render that came without any."""
        with self._lock:
            row = self._db.execute("SELECT peaks FROM entries WHERE key = ?", (key,)).fetchone()
        if not row or not row[0]:
            return None
        try:
            return tuple(float(x) for x in row[0].split(","))
        except ValueError:
            return None

    # ---- writing -----------------------------------------------------------------------
    def touch(self, key: str) -> None:
        """Played now: moves the entry to the back of the eviction queue."""
        with self._tx():
            self._db.execute(
                "UPDATE entries SET last_played = ? WHERE key = ?", (self._clock(), key)
            )

    def set_peaks(self, key: str, peaks: Iterable[float]) -> None:
        text = ",".join(f"{float(p):.4f}" for p in peaks)
        with self._tx():
            self._db.execute("UPDATE entries SET peaks = ? WHERE key = ?", (text, key))

    def fetch(
        self,
        render: Render,
        download: Download,
        *,
        base_url: str = "",
        progress: Progress | None = None,
    ) -> Path:
        """The cached file of ``render``, downloading it first if needed (blocking; call
        from a worker). The download goes to a temporary name, is checked against
        ``size_bytes`` and for MP3 frames, and only then appears under its cache name."""
        existing = self.lookup(render.id)
        if existing is not None:
            return existing
        dest = self.path_for(render.id)
        url = absolute_url(render.url, base_url)
        download(url, dest, progress=progress, expected_size=render.size_bytes)
        try:
            verify_mp3(dest)
        except CacheError:
            dest.unlink(missing_ok=True)
            raise
        with self._lock:
            self._record(render.id, dest.stat().st_size, self._clock())
        self.evict(protect={render.id})
        return dest

    def adopt(self, key: str, source: str | os.PathLike[str]) -> Path:
        """Put a local file (the sender's own take, once delivered) into the cache. A hard
        link when the file system allows it, so nothing is copied; a copy otherwise."""
        source = Path(source)
        dest = self.path_for(key)
        with atomic_path(dest, hidden=True) as tmp:
            try:
                os.link(source, tmp)
            except OSError:
                shutil.copyfile(source, tmp)
        with self._lock:
            self._record(key, dest.stat().st_size, self._clock())
        self.evict(protect={key})
        return dest

    def drop(self, key: str) -> None:
        """Forget an entry and delete its file (a corrupt download, an evicted render)."""
        with self._lock:
            with self._tx():
                self._db.execute("DELETE FROM entries WHERE key = ?", (key,))
            self._present.discard(key)
            try:
                self.path_for(key).unlink(missing_ok=True)
            except (ValueError, OSError) as exc:
                log.warning("could not delete cached %s: %s", key, exc)

    def evict(self, protect: Iterable[str] = ()) -> list[str]:
        """Delete least-recently-played files until the total fits the cap."""
        keep = set(protect)
        evicted: list[str] = []
        with self._lock:
            total = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0]
            if total <= self._cap:
                return evicted
            rows = self._db.execute(
                "SELECT key, size FROM entries ORDER BY last_played ASC"
            ).fetchall()
            for key, size in rows:
                if total <= self._cap:
                    break
                if key in keep:
                    continue
                self.drop(key)
                total -= size
                evicted.append(key)
        if evicted:
            log.info("audio cache: evicted %d file(s) to stay under the cap", len(evicted))
        return evicted

    def clear(self) -> tuple[int, int]:
        """Delete every cached render; returns (files, bytes) removed."""
        removed = freed = 0
        with self._lock:
            rows = self._db.execute("SELECT key, size FROM entries").fetchall()
            for key, size in rows:
                self.drop(key)
                removed += 1
                freed += size
        return removed, freed

    # ---- internals -------------------------------------------------------------------
    def _record(self, key: str, size: int, last_played: float) -> None:
        with self._tx():
            self._db.execute(
                "INSERT INTO entries (key, size, last_played) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET size=excluded.size, "
                "last_played=excluded.last_played",
                (key, int(size), float(last_played)),
            )
        self._present.add(key)

    def _reconcile(self) -> None:
        on_disk: dict[str, os.stat_result] = {}
        for path in self.folder.glob("*.mp3"):
            if path.name.startswith("."):
                continue
            try:
                on_disk[check_key(path.stem)] = path.stat()
            except (ValueError, OSError):
                continue
        known = {k for (k,) in self._db.execute("SELECT key FROM entries")}
        with self._tx():
            for key in known - on_disk.keys():
                self._db.execute("DELETE FROM entries WHERE key = ?", (key,))
            for key in on_disk.keys() - known:
                st = on_disk[key]
                self._db.execute(
                    "INSERT INTO entries (key, size, last_played) VALUES (?, ?, ?)",
                    (key, st.st_size, st.st_mtime),
                )
        self._present = set(on_disk)
        # Leftovers of a download cut by a crash (ApiClient removes its own on errors);
        # recent ones may belong to a download another process is running right now.
        stale = self._clock() - STALE_PART_SECONDS
        for part in self.folder.glob(".*.part"):
            with contextlib.suppress(OSError):
                if part.stat().st_mtime < stale:
                    part.unlink()


# ---- whole threads ("Make available offline", ``sequencer cache prefetch``) -------------------
@dataclass
class PrefetchResult:
    renders: int = 0  # renders in the thread
    downloaded: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (render id, why)
    bytes: int = 0


def thread_messages(
    api: MessageLister, thread_id: str, page_size: int = PAGE_SIZE
) -> list[Message]:
    """Every message of a thread, following the server's cursor across pages."""
    return list(fetch_changes(api, thread_id, None, page_size).messages.values())


def prefetch(
    cache: AudioCache,
    messages: Iterable[Message],
    api: DownloadSource,
    *,
    on_render: Callable[[Render, int, int], None] | None = None,
) -> PrefetchResult:
    """Download every render of ``messages`` that is not cached yet (blocking). A failed
    render is noted and the rest continue; ``on_render(render, index, total)`` before each."""
    renders = [r for m in messages for r in m.renders]
    result = PrefetchResult(renders=len(renders))
    for i, render in enumerate(renders):
        if on_render is not None:
            on_render(render, i, len(renders))
        if cache.lookup(render.id) is not None:
            result.already += 1
            continue
        try:
            path = cache.fetch(render, api.download, base_url=api.base_url)
        except Exception as exc:  # noted per render; one bad file must not stop the rest
            result.failed.append((render.id, str(getattr(exc, "detail", None) or exc)))
            continue
        result.downloaded += 1
        result.bytes += path.stat().st_size
    return result
