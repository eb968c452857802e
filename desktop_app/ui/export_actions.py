"""File → Export → WAV… / Stems…: the current pattern's audio as files for a DAW.

WAV… is the mix exactly as ``sequencer render -o x.wav`` makes it; Stems… writes one WAV
per track heard in the mix into a folder (``services/audio_export.py``; ``audio/stems.py``
says why stems are taken before the master limiter). Both ask how many loops first, like
``--loops``, and render on a worker from a copy of the pattern, so the window stays live
and an edit made meanwhile does not change the file. A pattern that cannot be rendered
(a track whose sound is missing) or a folder that cannot take the files is said in a
message box, and nothing is written; files of the same names in the stems folder are
replaced only after asking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMenu, QMessageBox

from desktop_app.audio.bounce import MAX_LOOPS, OfflineRender
from desktop_app.audio.kit import Kit, KitError, load_default_kit
from desktop_app.audio.sample_bank import SampleBank
from desktop_app.domain.pattern import Pattern
from desktop_app.services.audio_export import (
    Exported,
    ExportError,
    stem_paths,
    write_mix,
    write_stems,
)
from desktop_app.services.tasks import TaskRunner
from desktop_app.ui.menu_action import menu_action

log = logging.getLogger(__name__)

DEFAULT_LOOPS = 4  # what ``sequencer render`` renders without --loops
STATUS_TIMEOUT_MS = 8000
WAV_FILTER = "WAV audio (*.wav)"
WAV_SUFFIXES = (".wav", ".wave")
FAILED_TITLE = "Could not export"


class KitOwner(Protocol):
    """What plays the pattern (the ``Engine``): its kit and the tracks' own samples."""

    @property
    def kit(self) -> Kit: ...

    @property
    def bank(self) -> SampleBank: ...


class PatternDocument(Protocol):
    """What the exports need of the sequencer state: the pattern and what plays it."""

    @property
    def pattern(self) -> Pattern: ...

    @property
    def engine(self) -> KitOwner | None: ...


class ExportFolder(Protocol):
    """Where audio was last exported to (``Settings``)."""

    last_export_dir: str


class ExportActions(QObject):
    """``menu`` (Export ▸ WAV…, Stems…) for ``window``'s File menu. ``finished(text)`` /
    ``failed(text)`` follow each export (for tests and the log)."""

    finished = Signal(str)
    failed = Signal(str)
    _progress = Signal(str, float)  # from the worker: what, 0..1

    def __init__(
        self,
        window: QMainWindow,
        document: PatternDocument,
        folder: ExportFolder,
        tasks: TaskRunner | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._folder = folder
        if tasks is None:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(1)  # one export at a time; the next one waits
            tasks = TaskRunner(pool)
        self._tasks = tasks
        self._loops = DEFAULT_LOOPS
        self._shown = -1
        self.menu = QMenu("E&xport", window)
        self.wav_action = menu_action(
            window, "&WAV…", self.export_wav, "Render the pattern to a WAV file"
        )
        self.stems_action = menu_action(
            window,
            "&Stems…",
            self.export_stems,
            "Render one WAV per track into a folder, for a DAW",
        )
        self.menu.addActions([self.wav_action, self.stems_action])
        self._progress.connect(self._show_progress)

    # ---- asking ------------------------------------------------------------------------
    def _start_dir(self) -> Path:
        folder = self._folder.last_export_dir
        return Path(folder) if folder and Path(folder).is_dir() else Path.home()

    def _ask_loops(self, title: str) -> int | None:
        loops, ok = QInputDialog.getInt(
            self._window, title, "Loops (passes of the pattern):", self._loops, 1, MAX_LOOPS
        )
        if not ok:
            return None
        self._loops = loops
        return loops

    @Slot()
    def export_wav(self) -> None:
        loops = self._ask_loops("Export WAV")
        if loops is None:
            return
        pattern = self._document.pattern
        dialog = QFileDialog(self._window, "Export WAV", str(self._start_dir()), WAV_FILTER)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("wav")
        dialog.selectFile(f"pattern {pattern.bpm:g}bpm.wav")
        if dialog.exec() == QFileDialog.DialogCode.Accepted and dialog.selectedFiles():
            self.export_wav_to(Path(dialog.selectedFiles()[0]), loops)

    @Slot()
    def export_stems(self) -> None:
        loops = self._ask_loops("Export stems")
        if loops is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self._window, "Export stems into folder", str(self._start_dir())
        )
        if folder:
            self.export_stems_to(Path(folder), loops)

    # ---- exporting -------------------------------------------------------------------------
    def _render(self, loops: int) -> OfflineRender:
        """``loops`` passes of (a copy of) the pattern with the engine's kit and own
        samples, so the export sounds as the pattern does (without an engine: the default
        kit, no own samples)."""
        pattern = self._document.pattern.copy()
        engine = self._document.engine
        if engine is None:
            return OfflineRender(pattern, load_default_kit(), loops)
        return OfflineRender(pattern, engine.kit, loops, bank=engine.bank)

    def export_wav_to(self, path: Path, loops: int) -> bool:
        """Start writing the mix to ``path``; False (said) when it cannot start."""
        if path.suffix.lower() not in WAV_SUFFIXES:
            self._fail(f"{path.name}: the mix is exported as a .wav file.")
            return False
        render = self._render(loops)
        self._folder.last_export_dir = str(path.parent)
        report = self._reporter("WAV")
        return self._run("WAV", lambda: write_mix(render, path, report))

    def export_stems_to(self, folder: Path, loops: int) -> bool:
        """Start writing the stems into ``folder`` (asking before replacing files)."""
        render = self._render(loops)
        existing = [p for p in stem_paths(render.pattern, folder) if p.exists()]
        if existing and not self._replace(existing):
            return False
        self._folder.last_export_dir = str(folder)
        report = self._reporter("stems")
        return self._run("stems", lambda: write_stems(render, folder, report))

    def _replace(self, existing: list[Path]) -> bool:
        names = ", ".join(p.name for p in existing[:4]) + (" …" if len(existing) > 4 else "")
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Replace files?",
            f"{existing[0].parent} already has {len(existing)} of these files ({names}). "
            "Replace them with the new stems?",
            QMessageBox.StandardButton.Cancel,
            self._window,
        )
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is replace

    def _reporter(self, what: str) -> Callable[[float], None]:
        """Progress from the worker: it only emits; the status bar updates on this thread."""
        return lambda fraction: self._progress.emit(what, fraction)

    def _run(self, what: str, work: Callable[[], Exported]) -> bool:
        self._shown = -1
        self._window.statusBar().showMessage(f"Exporting {what}…")
        self._tasks.submit(work, on_done=self._done, on_error=self._error, context=self)
        return True

    def _show_progress(self, what: str, fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != self._shown:
            self._shown = percent
            self._window.statusBar().showMessage(f"Exporting {what}… {percent}%")

    def _done(self, result: Exported) -> None:
        if len(result.paths) == 1:
            said = f"Exported {result.paths[0].name} ({result.seconds:.1f} s)"
        else:
            said = (
                f"Exported {len(result.paths)} stems ({result.seconds:.1f} s each) "
                f"to {result.paths[0].parent}"
            )
            if result.skipped:
                said += f"; not heard, so left out: {', '.join(result.skipped)}"
        log.info("%s", said)
        self._window.statusBar().showMessage(said, STATUS_TIMEOUT_MS)
        self.finished.emit(said)

    def _error(self, exc: BaseException) -> None:
        if isinstance(exc, ExportError | KitError):
            self._fail(str(exc))
        else:
            log.error("export failed", exc_info=exc)
            self._fail(f"The export failed: {exc}")

    def _fail(self, text: str) -> None:
        log.warning("%s: %s", FAILED_TITLE, text)
        self._window.statusBar().clearMessage()
        self.failed.emit(text)
        QMessageBox.warning(self._window, FAILED_TITLE, text)
