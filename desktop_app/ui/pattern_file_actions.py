"""File → New pattern / Open pattern JSON… / Save pattern as…: the window's side of
``services/pattern_files.py``.

Kept out of ``main_window.py`` (as ``midi_actions.py`` is, with the same base,
``PatternFileMenu``) so the window only adds the actions to its menu. Every load goes
through ``load_snapshot``, so it is one undoable step and a file that cannot be used
changes nothing and explains itself in a dialog.

A pattern file whose tracks name sound files outside the sample store is opened after a
question (``sound_files_consent``): with the musician's yes the files are read on a worker
into the store and the pattern is loaded once they are there, its tracks referring to
them by hash; with a no (or Esc) it loads at once without them, as every pattern
received from a thread does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow

from desktop_app.domain.pattern import Pattern, SnapshotError, empty_pattern
from desktop_app.services.pattern_files import (
    NamedSoundFile,
    PatternFileError,
    confine_sample_files,
    outside_sample_files,
    read_pattern_file,
    with_sounds,
    without_sample_files,
    write_pattern_file,
)
from desktop_app.state.pattern_file_sounds import SoundResults
from desktop_app.ui.pattern_file_menu import PatternDocument, PatternFileMenu, PatternFolder
from desktop_app.ui.sound_files_consent import ask_to_use_sound_files

REFUSED_TIMEOUT_MS = 30_000  # long enough to read which tracks lost their sound


class SoundFileReader(Protocol):
    """``PatternFileSounds``: the sample store's folder, and files read into the store."""

    @property
    def folder(self) -> Path: ...

    def read(
        self,
        paths: Sequence[Path],
        protect: Sequence[str],
        on_done: Callable[[SoundResults], None],
    ) -> None: ...


class PatternFileActions(PatternFileMenu):
    """``new_action``, ``open_action`` and ``save_action`` for ``window``'s File menu."""

    def __init__(
        self, window: QMainWindow, document: PatternDocument, folder: PatternFolder
    ) -> None:
        super().__init__(window, document, folder)
        self._sounds: SoundFileReader | None = None  # no store: no own sounds at all
        self._opening = 0  # the last Open; a slower read for an earlier one is dropped
        keys = QKeySequence.StandardKey
        self.new_action = self._action(
            "&New pattern", self.new_pattern, "Start from an empty pattern (undoable)", keys.New
        )
        self.open_action = self._action(
            "&Open pattern JSON…", self.open_pattern, "Load a pattern saved as JSON", keys.Open
        )
        self.save_action = self._action(
            "Save pattern &as…",
            self.save_pattern_as,
            "Save the pattern as a JSON file",
            keys.SaveAs,
        )
        if self.save_action.shortcut().isEmpty():  # not every platform defines SaveAs
            self.save_action.setShortcut(QKeySequence("Ctrl+Shift+S"))

    def use_sample_store(self, sounds: SoundFileReader) -> None:
        """Use ``sounds``'s store: a named file in it is used by its hash, one outside it
        is read into it when the musician agrees. Without a store none is read."""
        self._sounds = sounds

    @property
    def actions(self) -> list[QAction]:
        return [self.new_action, self.open_action, self.save_action]

    @Slot()
    def new_pattern(self) -> None:
        self._document.load_snapshot(empty_pattern().to_snapshot(), "New pattern")
        self._say("New empty pattern — Undo brings the old one back", 5000)

    @Slot()
    def open_pattern(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window,
            "Open pattern",
            self._start_dir(),
            "Pattern JSON (*.json);;All files (*)",
        )
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> bool:
        """Load a pattern file as one undoable step; a bad file explains itself, and so
        does a track whose named sound file was not read (it loads without it). Sound
        files outside the store are read only after the musician agreed, and then the
        pattern loads once they are stored (True: the Open has started)."""
        store = self._sounds.folder if self._sounds is not None else None
        folder = path.absolute().parent
        self._opening += 1
        try:
            raw = read_pattern_file(path)
            files = outside_sample_files(raw, store, folder) if self._sounds is not None else []
            snapshot, refused = confine_sample_files(
                without_sample_files(raw, files), store, folder
            )
            Pattern.from_snapshot(snapshot)  # a pattern that cannot load asks nothing
        except (PatternFileError, SnapshotError) as exc:
            self._file_error("open", path, str(exc))
            return False
        if files and ask_to_use_sound_files(self._window, path, files):
            self._read_then_open(path, snapshot, refused, files)
            return True
        if files:  # declined: say (and log) which tracks go without the file they name
            snapshot, refused = confine_sample_files(raw, store, folder)
        return self._opened(path, snapshot, refused)

    def _opened(self, path: Path, snapshot: dict[str, Any], said: list[str]) -> bool:
        try:
            self._document.load_snapshot(snapshot, f"Open {path.name}")
        except SnapshotError as exc:
            self._file_error("open", path, str(exc))
            return False
        self._remember(path)
        if said:
            self._say(f"Opened {path.name} — " + "; ".join(said), REFUSED_TIMEOUT_MS)
        else:
            self._say(f"Opened {path.name}")
        return True

    def _read_then_open(
        self, path: Path, base: dict[str, Any], refused: list[str], files: list[NamedSoundFile]
    ) -> None:
        """Read ``files`` into the store, then open ``base`` (the pattern without them)
        with each track that got its file playing it."""
        assert self._sounds is not None
        opening = self._opening
        count = len(files)
        self._say(f"Reading {count} sound{'s' * (count != 1)} for {path.name}…", 0)

        def done(results: SoundResults) -> None:
            if opening != self._opening:
                return  # another pattern file was opened meanwhile: that one counts
            sounds: dict[int, tuple[str, str]] = {}
            said: list[str] = []
            for file, result in zip(files, results, strict=True):
                if isinstance(result, str):
                    name = base["tracks"][file.track].get("name")
                    said.append(f"track “{name}” plays its built-in sound: {result.rstrip('.')}")
                else:
                    sounds[file.track] = (result.sha256, result.name)
            self._opened(path, with_sounds(base, sounds), said + refused)

        protect = list(self._document.pattern.sample_refs())
        self._sounds.read([file.path for file in files], protect, done)

    @Slot()
    def save_pattern_as(self) -> None:
        suggested = Path(self._start_dir()) / "pattern.json"
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Save pattern as", str(suggested), "Pattern JSON (*.json)"
        )
        if path:
            target = Path(path)
            if not target.suffix:
                target = target.with_suffix(".json")
            self.save_file(target)

    def save_file(self, path: Path) -> bool:
        try:
            write_pattern_file(path, self._document.snapshot())
        except PatternFileError as exc:
            self._file_error("save", path, str(exc))
            return False
        self._remember(path)
        self._say(f"Saved {path.name}")
        return True

    def _file_error(self, verb: str, path: Path, why: str) -> None:
        self._warn(f"Could not {verb} the pattern", f"{path}\n\n{why}")
