"""A message's right-click "Save recording as…": its take as an MP3 (as it is) or a WAV.

The file dialog offers both types; the name's extension decides, and a name without one
gets the type chosen in the dialog. The audio comes from where playing it would: the
sender's own take, the audio cache (so it works offline), or a download into the cache
first (the row shows its progress). Copying or decoding runs on a worker
(``services/recording_files.py``); a failure — no recording, not downloadable, a full
disk, a folder that cannot be written — is said in a message box and writes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from desktop_app.services.audio_export import ExportError
from desktop_app.services.recording_files import (
    MP3,
    WAV,
    SavedRecording,
    save_recording,
    target_for,
)
from desktop_app.services.tasks import TaskRunner
from desktop_app.ui.drag_out import RenderFiles, drag_file_name

log = logging.getLogger(__name__)

ACTION_TEXT = "Save recording as…"
TITLE = "Save recording as"
FAILED_TITLE = "Could not save the recording"
MP3_FILTER = "MP3 audio, as sent (*.mp3)"
WAV_FILTER = "WAV audio, decoded (*.wav)"
NO_RECORDING = "This message has no recording to save."


class RecordingSource(RenderFiles, Protocol):
    """Where a message's audio file comes from (the ``PlaybackController``): what a drag
    out needs, and whether the file is at hand without a download."""

    def is_available(self, message_id: str) -> bool: ...


class ExportFolder(Protocol):
    """Where audio was last exported to (``Settings``)."""

    last_export_dir: str


class SaveRecording(QObject):
    """``SaveRecording(files, tasks, folder)``; ``add_actions(menu, message_id)`` is the
    message menu's hook. ``notice(str)`` is for the status bar; ``saved(path)`` and
    ``failed(text)`` follow each save."""

    notice = Signal(str)
    saved = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        files: RecordingSource,
        tasks: TaskRunner,
        folder: ExportFolder,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._files = files
        self._tasks = tasks
        self._folder = folder

    def has_audio(self, message_id: str) -> bool:
        message = self._files.message(message_id)
        if message is None:
            return False
        return bool(message.renders) or self._files.is_available(message_id)

    def add_actions(self, menu: QMenu, message_id: str) -> None:
        """ "Save recording as…" on a message that has audio (a take or a sent file)."""
        if self.has_audio(message_id):
            action = menu.addAction(ACTION_TEXT)
            owner = menu.parentWidget()
            action.triggered.connect(lambda: self.save(message_id, owner))

    def _start_dir(self) -> Path:
        folder = self._folder.last_export_dir
        return Path(folder) if folder and Path(folder).is_dir() else Path.home()

    def save(self, message_id: str, parent: QWidget | None = None) -> None:
        """Ask where (the real file dialog), then save."""
        message = self._files.message(message_id)
        if message is None or not self.has_audio(message_id):
            self._fail(NO_RECORDING, parent)
            return
        dialog = QFileDialog(parent, TITLE, str(self._start_dir()), f"{MP3_FILTER};;{WAV_FILTER}")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(MP3)
        # A name typed without an extension takes the chosen type's (and the dialog's own
        # "replace it?" question then asks about the right file).
        dialog.filterSelected.connect(
            lambda f: dialog.setDefaultSuffix(WAV if f == WAV_FILTER else MP3)
        )
        dialog.selectFile(drag_file_name(message, MP3))
        if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return
        self.save_to(message_id, Path(dialog.selectedFiles()[0]), dialog.selectedNameFilter(),
                     parent)  # fmt: skip

    def save_to(
        self, message_id: str, path: Path, chosen_filter: str = "", parent: QWidget | None = None
    ) -> None:
        """Save the message's recording to ``path`` (the type from its extension, else
        from ``chosen_filter``); fetches it first when it is not on this computer."""
        try:
            target, kind = target_for(path, chosen_filter)
        except ExportError as exc:
            self._fail(str(exc), parent)
            return
        if not self.has_audio(message_id):
            self._fail(NO_RECORDING, parent)
            return
        self._folder.last_export_dir = str(target.parent)
        if not self._files.is_available(message_id):
            self.notice.emit(f"Downloading the recording for {target.name}…")
        self._files.ensure_file(
            message_id,
            lambda source: self._write(source, target, kind, parent),
            lambda text: self._fail(f"The recording could not be fetched: {text}.", parent),
        )

    def _write(self, source: Path, target: Path, kind: str, parent: QWidget | None) -> None:
        what = "Decoding" if kind == WAV else "Saving"
        self.notice.emit(f"{what} {target.name}…")
        self._tasks.submit(
            save_recording,
            source,
            target,
            kind,
            on_done=self._done,
            on_error=lambda exc: self._fail(
                str(exc) if isinstance(exc, ExportError) else f"{target}: {exc}", parent
            ),
        )

    def _done(self, result: SavedRecording) -> None:
        if result.kind == WAV:
            said = f"Saved {result.path.name} (WAV, {result.seconds or 0:.1f} s)"
        else:
            said = f"Saved {result.path.name} (MP3 as sent, {result.size_bytes / 1e6:.1f} MB)"
        log.info("%s in %s", said, result.path.parent)
        self.notice.emit(said)
        self.saved.emit(str(result.path))

    def _fail(self, text: str, parent: QWidget | None) -> None:
        log.warning("%s: %s", FAILED_TITLE, text)
        self.failed.emit(text)
        QMessageBox.warning(parent, FAILED_TITLE, text)
