"""Dragging a render out of its row into a DAW or a file manager.

What lands there is an ordinary MP3 file with a name a musician can read in a track list —
``alice 120bpm 2026-11-24.mp3`` — not ``3f2a….mp3`` from the cache. The file is a hard
link to the cached copy (a copy where links are not possible) in a folder of its own per
message, so two takes with the same name never overwrite each other and the DAW may keep
the file as long as it likes; the cache evicting its own copy does not break the link.

A render that is not on this machine yet is fetched first: the row shows the download and
the drag starts as soon as the file is there, provided the mouse button is still held.

With Alt held the drag also carries the message's pattern as a Standard MIDI File, named
like the MP3 beside it (``alice 120bpm 2026-11-24.mid``) and as many loops long as the
take (up to 64), so a DAW gets the audio and the notes to line up under it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEventLoop, QMimeData, QPointF, QRectF, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDrag, QFontMetricsF, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QWidget

from desktop_app.domain.message import Message, parse_time
from desktop_app.domain.midi import MidiError, write_midi
from desktop_app.domain.pattern import Pattern, SnapshotError
from desktop_app.ui import theme

log = logging.getLogger(__name__)

MIME_RENDER = "application/x-sequencer-render"
FETCH_WAIT_MS = 60_000
DRAG_KEEP_SECONDS = 7 * 24 * 3600.0
MAX_MIDI_LOOPS = 64
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def drag_file_name(message: Message, ext: str = "mp3") -> str:
    """``{user} {bpm}bpm {date}.{ext}``, safe on every file system."""
    user = _UNSAFE.sub("_", message.user_id).strip(" .") or "sequencer"
    bpm = (message.snapshot_metadata or {}).get("bpm", message.snapshot.get("bpm"))
    parts = [user[:40]]
    if isinstance(bpm, int | float) and bpm > 0:
        parts.append(f"{bpm:g}bpm")
    with contextlib.suppress(ValueError):
        parts.append(parse_time(message.timestamp).astimezone().strftime("%Y-%m-%d"))
    return f"{' '.join(parts)}.{ext}"


def export_for_drag(source: Path, message: Message, folder: Path) -> Path:
    """The friendly-named file for ``message`` in ``folder/{message id}/``."""
    ext = (message.renders[0].format if message.renders else "") or source.suffix.lstrip(".")
    target_dir = Path(folder) / _UNSAFE.sub("_", message.id)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / drag_file_name(message, ext or "mp3")
    if target.exists():
        if target.stat().st_size == source.stat().st_size:
            return target
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    return target


def wants_midi(modifiers: Qt.KeyboardModifier) -> bool:
    """Alt (Option on a Mac) held when the drag starts: hand over the MIDI file too."""
    return bool(modifiers & Qt.KeyboardModifier.AltModifier)


def midi_for_drag(audio: Path, message: Message) -> Path | None:
    """The message's pattern as ``audio`` renamed to ``.mid``, as many loops as the take
    holds; None (logged) when the message has no pattern (an audio file sent as it is) or
    no note is heard in it, or the file cannot be written."""
    loops = (message.snapshot_metadata or {}).get("loops")
    loops = min(MAX_MIDI_LOOPS, loops) if isinstance(loops, int) and loops >= 1 else 1
    target = audio.with_suffix(".mid")
    try:
        if "tracks" not in message.snapshot:
            raise SnapshotError("the message holds no pattern")
        if write_midi(Pattern.from_snapshot(message.snapshot), target, loops):
            return target
        target.unlink()
        raise MidiError("no note is heard in the pattern")
    except (SnapshotError, MidiError, OSError) as exc:
        log.info("no MIDI file for the drag of %s: %s", message.id, exc)
        return None


def make_mime_data(path: Path | list[Path], message: Message) -> QMimeData:
    """File URLs (``text/uri-list``) — what DAWs and file managers accept — plus the
    message id for drops inside the app."""
    mime = QMimeData()
    paths = path if isinstance(path, list) else [path]
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    mime.setData(MIME_RENDER, message.id.encode())
    return mime


def drag_pixmap(name: str, widget: QWidget) -> QPixmap:
    """A small pill with the file name, so the user sees what they are carrying."""
    font = widget.font()
    fm = QFontMetricsF(font)
    w, h = min(320.0, fm.horizontalAdvance(name) + 40), fm.height() + 12
    dpr = widget.devicePixelRatioF()
    pix = QPixmap(round(w * dpr), round(h * dpr))
    pix.setDevicePixelRatio(dpr)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor(theme.ACCENT_DIM))
    p.setBrush(QColor(theme.BG_RAISED))
    p.drawRoundedRect(QRectF(0.5, 0.5, w - 1, h - 1), h / 2, h / 2)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(theme.ACCENT))
    p.drawEllipse(QPointF(h / 2, h / 2), 5, 5)
    p.setPen(QColor(theme.TEXT))
    p.setFont(font)
    text = fm.elidedText(name, Qt.TextElideMode.ElideMiddle, w - h - 10)
    p.drawText(QRectF(h, 0, w - h - 8, h), Qt.AlignmentFlag.AlignVCenter, text)
    p.end()
    return pix


def tidy_drag_dir(folder: Path, max_age_s: float = DRAG_KEEP_SECONDS) -> None:
    """Files handed to a DAW a while ago: the DAW has its own copy (or link) by now."""
    if not folder.is_dir():
        return
    cutoff = time.time() - max_age_s
    for sub in folder.iterdir():
        with contextlib.suppress(OSError):
            if sub.is_dir() and sub.stat().st_mtime < cutoff:
                shutil.rmtree(sub, ignore_errors=True)


class RenderFiles(Protocol):
    """Where a dragged render's file comes from (the ``PlaybackController``)."""

    def message(self, message_id: str) -> Message | None: ...
    def ensure_file(
        self,
        message_id: str,
        on_ready: Callable[[Path], None],
        on_error: Callable[[str], None] | None = None,
    ) -> None: ...


class RenderDragger:
    """``RenderDragger(controller, drag_dir)``: ``start(source_widget, message_id)`` from a
    view's mouse-move handler. ``controller`` is the ``PlaybackController``."""

    def __init__(self, controller: RenderFiles, drag_dir: Path) -> None:
        self._controller = controller
        self._dir = Path(drag_dir)

    def prepare(
        self,
        message_id: str,
        on_ready: Callable[[Path, QMimeData], None],
        on_error: Callable[[str], None] | None = None,
        *,
        with_midi: bool = False,
    ) -> None:
        """The drag's audio file and mime data (with ``with_midi`` the pattern's MIDI file
        too), after fetching the render if needed."""
        message = self._controller.message(message_id)
        if message is None:
            if on_error:
                on_error("The message is not in this thread any more")
            return

        def ready(source: Path) -> None:
            try:
                path = export_for_drag(source, message, self._dir)
            except OSError as exc:
                if on_error:
                    on_error(f"Could not prepare the file: {exc}")
                return
            midi = midi_for_drag(path, message) if with_midi else None
            on_ready(path, make_mime_data([path] if midi is None else [path, midi], message))

        self._controller.ensure_file(message_id, ready, on_error)

    def start(
        self, source: QWidget, message_id: str, *, with_midi: bool = False
    ) -> Qt.DropAction | None:
        """Run the drag (blocks like ``QDrag.exec``). If the render must be downloaded
        first, waits while the mouse button is held; a release ends the wait (the
        download still completes, so the next drag is instant). ``with_midi``: Alt was
        held, the pattern's MIDI file goes along."""
        result: list[tuple[Path, QMimeData]] = []
        errors: list[str] = []
        loop = QEventLoop()

        def ready(path: Path, mime: QMimeData) -> None:
            result.append((path, mime))
            loop.quit()

        def failed(text: str) -> None:
            errors.append(text)
            loop.quit()

        self.prepare(message_id, ready, failed, with_midi=with_midi)
        if not result and not errors:
            watch = QTimer()
            watch.setInterval(50)
            watch.timeout.connect(
                lambda: (
                    None
                    if QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton
                    else loop.quit()
                )
            )
            watch.start()
            QTimer.singleShot(FETCH_WAIT_MS, loop.quit)
            loop.exec()
            watch.stop()
        if not result:
            if errors:
                log.info("drag of %s not started: %s", message_id, errors[0])
            return None
        path, mime = result[0]
        drag = QDrag(source)
        drag.setMimeData(mime)
        carried = path.name if len(mime.urls()) == 1 else f"{path.name} + .mid"
        drag.setPixmap(drag_pixmap(carried, source))
        return drag.exec(Qt.DropAction.CopyAction)
