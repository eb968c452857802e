"""Where a message's audio file comes from, and the downloads that bring it here.

A message plays from the sender's own take if this machine has it, else from the cached
render, else after a download into the cache. Downloads run on their own pool (so a
render never waits behind an upload), report their progress per message, and a second
caller asking for a file already on its way waits for the same download.

The fetcher knows files, not rows: ``changed(message_id)`` / ``fetched`` / ``failed``
tell the playback controller, which decides what the row shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.message import Message
from desktop_app.services.api import ApiError, MessagePage, TransientApiError
from desktop_app.services.audio_cache import AudioCache, CacheError, thread_messages
from desktop_app.services.download_source import DownloadSource
from desktop_app.services.tasks import TaskRunner

log = logging.getLogger(__name__)

NOT_DOWNLOADED = "Not downloaded — the server is unreachable"

OwnRecording = Callable[[str], "Path | None"]
ReadyCallback = Callable[[Path], None]
ErrorCallback = Callable[[str], None]


class DownloadApi(DownloadSource, Protocol):
    """What the fetcher needs of the ``ApiClient``: render files, and the thread's
    messages when a whole thread is made available offline."""

    def list_messages(
        self, thread_id: str, since: str | None = None, limit: int = 500
    ) -> MessagePage: ...


def recordings_in(folder: Path) -> OwnRecording:
    """The own-recording lookup for takes kept under their message id (the outbox keeps
    ``{message_id}.mp3`` in its files folder until the message is delivered). One ``stat``
    per call."""
    folder = Path(folder)

    def lookup(message_id: str) -> Path | None:
        if not message_id or "/" in message_id or "\\" in message_id:
            return None
        path = folder / f"{message_id}.mp3"
        return path if path.is_file() else None

    return lookup


class RenderFetcher(QObject):
    """``RenderFetcher(cache, downloads, api=None, *, own_recording=None)``.

    ``downloads`` is a ``TaskRunner`` on its own pool; ``api`` is replaceable with
    ``set_api`` on reconnect (None: every download fails as "not downloaded");
    ``own_recording(message_id)`` returns the sender's local take of a message, if any.
    """

    changed = Signal(str)  # a download of this message started or moved on
    fetched = Signal(str)  # ... completed: the file is in the cache
    failed = Signal(str, str)  # ... failed: message id, a sentence for its row
    error = Signal(str)  # a sentence for the status bar
    offlineProgress = Signal(int, int)  # renders done, total ("Make available offline")
    _progress = Signal(str, float)  # from download workers, delivered on the GUI thread

    def __init__(
        self,
        cache: AudioCache,
        downloads: TaskRunner,
        api: DownloadApi | None = None,
        *,
        own_recording: OwnRecording | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self._tasks = downloads
        self._api = api
        self._own = own_recording
        self._downloads: dict[str, float] = {}  # message id -> progress 0..1
        self._waiters: dict[str, list[tuple[ReadyCallback, ErrorCallback | None]]] = {}
        self._offline_total = self._offline_done = 0
        self._progress.connect(self._on_progress)

    def set_api(self, api: DownloadApi | None) -> None:
        self._api = api

    # ---- reading -----------------------------------------------------------------------
    def progress(self, message_id: str) -> float | None:
        """0..1 while the message's render is being fetched, else None."""
        return self._downloads.get(message_id)

    def local_path(self, message: Message) -> tuple[Path, str | None] | None:
        """The file to play and the cache key it came from (None for the own take)."""
        own = self._own_take(message.id)
        if own is not None:
            return own, None
        for render in message.renders:
            path = self.cache.lookup(render.id)
            if path is not None:
                return path, render.id
        return None

    def is_available(self, message: Message) -> bool:
        """Playable without the network: cached, or the sender's own take."""
        return self.cache.is_available(message) or self._own_take(message.id) is not None

    def _own_take(self, message_id: str) -> Path | None:
        if self._own is None:
            return None
        try:
            own = self._own(message_id)
        except Exception as exc:  # a lookup must never break the play button
            log.warning("own recording lookup failed: %s", exc)
            return None
        return Path(own) if own is not None and Path(own).is_file() else None

    # ---- fetching ----------------------------------------------------------------------
    def ensure_file(
        self, message: Message, on_ready: ReadyCallback, on_error: ErrorCallback | None = None
    ) -> None:
        """A playable file for ``message``: at once if it is local, else after the
        download (``changed`` follows its progress)."""
        local = self.local_path(message)
        if local is not None:
            on_ready(local[0])
        else:
            self.fetch(message, on_ready, on_error)

    def fetch(
        self,
        message: Message,
        on_ready: ReadyCallback,
        on_error: ErrorCallback | None = None,
        *,
        quiet: bool = False,
    ) -> None:
        """Download the message's first render into the cache; ``quiet`` keeps a failure
        off the status bar (it still shows on the row)."""
        mid = message.id
        self._waiters.setdefault(mid, []).append((on_ready, on_error))
        if mid in self._downloads:
            return  # already on its way; this caller waits for the same file
        api = self._api
        if api is None or not message.renders:
            self._fail(mid, NOT_DOWNLOADED, quiet)
            return
        render = message.renders[0]
        self._downloads[mid] = 0.0
        self.changed.emit(mid)
        last = [-1]

        def progress(done: int, total: int) -> None:  # worker thread: only emit
            pct = int(done * 100 / total) if total else 0
            if pct != last[0]:
                last[0] = pct
                self._progress.emit(mid, pct / 100)

        def work() -> Path:
            return self.cache.fetch(render, api.download, base_url=api.base_url,
                                    progress=progress)  # fmt: skip

        def done(path: Path) -> None:
            self._downloads.pop(mid, None)
            self.fetched.emit(mid)
            for ready, _err in self._waiters.pop(mid, []):
                ready(path)

        def failed(exc: BaseException) -> None:
            self._downloads.pop(mid, None)
            if isinstance(exc, TransientApiError) and exc.status is None:
                text = NOT_DOWNLOADED
            elif isinstance(exc, ApiError | CacheError):
                text = f"Download failed: {getattr(exc, 'detail', None) or exc}"
            else:
                text = f"Download failed: {exc}"
            self._fail(mid, text, quiet)

        self._tasks.submit(work, on_done=done, on_error=failed)

    def _fail(self, mid: str, text: str, quiet: bool) -> None:
        self.failed.emit(mid, text)
        if not quiet:
            self.error.emit(text)
        for _ready, on_error in self._waiters.pop(mid, []):
            if on_error is not None:
                on_error(text)

    def _on_progress(self, mid: str, fraction: float) -> None:
        if mid in self._downloads:
            self._downloads[mid] = fraction
            self.changed.emit(mid)

    # ---- making a thread available offline ---------------------------------------------
    def make_available_offline(self, messages: list[Message]) -> int:
        """Download every render of ``messages`` not here yet; returns how many were
        queued. ``offlineProgress(done, total)`` follows them."""
        todo = [m for m in messages if m.renders and not self.is_available(m)]
        if not todo:
            self.offlineProgress.emit(0, 0)
            return 0
        self._offline_total += len(todo)
        for m in todo:
            self.fetch(m, lambda _p: self._offline_step(), lambda _t: self._offline_step(),
                       quiet=True)  # fmt: skip
        self.offlineProgress.emit(self._offline_done, self._offline_total)
        return len(todo)

    def make_thread_available_offline(self, thread_id: str) -> None:
        """The thread list's "Make available offline": every message of the thread is
        asked from the server (not only the rows on screen), then downloaded."""
        api = self._api
        if api is None:
            self.error.emit(NOT_DOWNLOADED)
            return

        def done(messages: list[Message]) -> None:
            count = self.make_available_offline(messages)
            log.info("making %d render(s) of thread %s available offline", count, thread_id)

        def failed(exc: BaseException) -> None:
            detail = getattr(exc, "detail", None) or str(exc)
            self.error.emit(f"Could not make the thread available offline: {detail}")

        self._tasks.submit(thread_messages, api, thread_id, on_done=done, on_error=failed)

    def _offline_step(self) -> None:
        self._offline_done += 1
        self.offlineProgress.emit(self._offline_done, self._offline_total)
        if self._offline_done >= self._offline_total:
            self._offline_done = self._offline_total = 0
