"""Audio files attached in the composer, each read once, on a worker, when attached.

Reading a dropped file — its length and waveform, a WAV's encoding to MP3 — takes a good
part of a second for a long one. It used to happen on the GUI thread at every redraw of
the composer and again at Send; here it happens once, through the ``AudioPreparer``
(the server session's worker), as soon as the file is attached. Meanwhile the file is
listed as being read (``Attachment.audio`` is ``None``); once read, the composer shows
its length and Send posts exactly what was read. A file that cannot be sent is taken off
the list with a sentence that says why (``refused``).

What a preparation made only for sending (a WAV's MP3, in the outbox's scratch folder)
is deleted when the musician takes the file back; at Send the outbox moves it in.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import shiboken6
from PySide6.QtCore import QObject, Signal

from desktop_app.domain.draft import AudioFile

log = logging.getLogger(__name__)


class AudioPreparer(Protocol):
    """Makes a dropped file sendable on a worker (``ThreadsState``): ``on_done(audio)``
    or ``on_error(sentence)`` on the GUI thread."""

    def prepare_audio_file(
        self, path: Path, on_done: Callable[[AudioFile], None], on_error: Callable[[str], None]
    ) -> None: ...


@dataclass(frozen=True)
class Attachment:
    """A file waiting for Send; ``audio`` is what was read of it (``None`` while it is
    being read)."""

    path: Path
    audio: AudioFile | None = None

    @property
    def duration(self) -> float | None:
        return self.audio.duration if self.audio is not None else None


def _discard(source: Path, audio: AudioFile) -> None:
    """Delete ``audio`` when it is a file made for sending ``source`` (not ``source``)."""
    if Path(audio.path) != source:
        try:
            Path(audio.path).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete %s: %s", audio.path, exc)


class Attachments(QObject):
    """``Attachments(preparer)``: ``items`` in the order attached; ``changed`` after one
    is added, read or removed; ``refused(sentence)`` for a file that cannot be sent."""

    changed = Signal()
    refused = Signal(str)

    def __init__(self, preparer: AudioPreparer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._preparer = preparer
        self._items: dict[Path, Attachment] = {}
        self._tokens = itertools.count(1)
        self._reading: dict[Path, int] = {}  # path → the read whose answer counts

    @property
    def items(self) -> list[Attachment]:
        return list(self._items.values())

    @property
    def files(self) -> list[Path]:
        return list(self._items)

    @property
    def reading(self) -> list[Path]:
        """Files still being read: Send waits for them."""
        return [path for path, item in self._items.items() if item.audio is None]

    def add(self, files: list[Path]) -> None:
        """Attach ``files`` (one already attached stays once) and read each on a worker."""
        added = [Path(path) for path in files if Path(path) not in self._items]
        for path in added:
            self._items[path] = Attachment(path)
            token = self._reading[path] = next(self._tokens)
            self._preparer.prepare_audio_file(
                path, functools.partial(self._read, path, token),
                functools.partial(self._failed, path, token),
            )  # fmt: skip
        if added:
            self.changed.emit()

    def remove(self, path: Path) -> None:
        item = self._items.pop(path, None)
        if item is None:
            return
        self._reading.pop(path, None)
        if item.audio is not None:
            _discard(path, item.audio)
        self.changed.emit()

    def clear(self) -> None:
        for path in list(self._items):
            self.remove(path)

    def send(self, post: Callable[[str, AudioFile], object]) -> None:
        """Send: each attachment through ``post(filename, audio)`` (what was read of it;
        a file made for sending is the outbox's to move in now), and off the list. Nothing
        goes while any is still being read; a refusal is said (``refused``)."""
        if self.reading:
            return
        items = self.items
        self._items.clear()
        if items:
            self.changed.emit()
        for item in items:
            assert item.audio is not None
            try:
                post(item.path.name, item.audio)
            except (RuntimeError, ValueError) as exc:  # no send queue, or no thread open
                log.error("send refused: %s", exc)
                self.refused.emit(f"Could not send {item.path.name}: {exc}")

    def _current(self, path: Path, token: int) -> bool:
        """Whether this read still counts: the list still exists, and the file was not
        taken back (or taken back and attached again) meanwhile."""
        return shiboken6.isValid(self) and self._reading.get(path) == token

    def _read(self, path: Path, token: int, audio: AudioFile) -> None:
        if not self._current(path, token):
            _discard(path, audio)
            return
        del self._reading[path]
        self._items[path] = Attachment(path, audio)
        self.changed.emit()

    def _failed(self, path: Path, token: int, why: str) -> None:
        if not self._current(path, token):
            return
        del self._reading[path]
        del self._items[path]
        self.changed.emit()
        self.refused.emit(why)
