"""The Kit menu: saved kits, "Default kit", Save as kit…, Import Hydrogen drumkit….

Kept out of ``main_window.py`` (the window is being split; this module only needs the
window's menu bar and status bar). Picking a kit goes through ``load_snapshot`` like
File → Open pattern, so it is one undoable step, and a kit that cannot be used explains
itself and changes nothing. How a kit's sounds land on the tracks is decided in
``domain/kit_apply.py`` (by kind — the kit's kick on the kick row — then in order;
steps kept).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMenuBar,
    QMessageBox,
)

from desktop_app.domain.kit_apply import OwnSample, apply_kit
from desktop_app.domain.kit_format import MAX_NAME_CHARS, KitSpec
from desktop_app.domain.pattern import Pattern, SnapshotError
from desktop_app.services.hydrogen_import import HydrogenImport, import_hydrogen
from desktop_app.services.kit_library import KitError, KitLibrary, SampleStore, default_kit
from desktop_app.services.tasks import TaskRunner
from desktop_app.ui.menu_action import menu_action

log = logging.getLogger(__name__)

STATUS_TIMEOUT_MS = 12000
HYDROGEN_FILTER = "Hydrogen drumkits (*.h2drumkit drumkit.xml);;All files (*)"
SYSTEM_HYDROGEN_KITS = Path("/usr/share/hydrogen/data/drumkits")


class PatternDocument(Protocol):
    """What the actions need of the sequencer state."""

    @property
    def pattern(self) -> Pattern: ...

    def load_snapshot(self, data: Mapping[str, Any], text: str = ...) -> None: ...


class LastFolder(Protocol):
    """Where files were last opened (``Settings``)."""

    last_pattern_dir: str


class KitActions(QObject):
    """``menu`` (the Kit menu) for ``window``; ``install(menu_bar)`` puts it in place.
    ``importFinished(stored)`` after each Hydrogen import, stored or refused."""

    importFinished = Signal(bool)

    def __init__(
        self,
        window: QMainWindow,
        document: PatternDocument,
        library: KitLibrary,
        samples: SampleStore,
        folder: LastFolder,
        tasks: TaskRunner,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._tasks = tasks
        self._document = document
        self._library = library
        self._samples = samples
        self._folder = folder
        self.menu = QMenu("&Kit", window)
        self.menu.setObjectName("kitMenu")
        self.menu.setToolTipsVisible(True)
        self.default_action = menu_action(
            window,
            "&Default kit",
            self.use_default_kit,
            "The app's own eight sounds on the tracks of their kind",
        )
        self.save_action = menu_action(
            window, "&Save as kit…", self.save_as_kit, "Keep the sounds of these tracks as a kit"
        )
        self.import_action = menu_action(
            window,
            "&Import Hydrogen drumkit…",
            self.import_hydrogen,
            "Make a kit of a .h2drumkit file or a drumkit.xml folder",
        )
        self.kit_actions: list[QAction] = []
        self.menu.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def install(self, bar: QMenuBar) -> None:
        """Put the Kit menu right after Edit (before View or Transport), or at the end."""
        before = next((a for a in bar.actions() if a.text() in ("&View", "&Transport")), None)
        if before is None:
            bar.addMenu(self.menu)
        else:
            bar.insertMenu(before, self.menu)

    # ---- the menu ----------------------------------------------------------------------
    @Slot()
    def rebuild(self) -> None:
        """List the kits folder as it is now (a kit copied in by hand shows up)."""
        self.menu.clear()  # deletes the kits' actions (the menu owns them), not the others
        self.kit_actions = []
        self.menu.addAction(self.default_action)
        for entry in self._library.entries():
            action = QAction(entry.name.replace("&", "&&"), self.menu)
            if entry.error is not None:
                action.setEnabled(False)
                action.setToolTip(entry.error)
            else:
                action.setToolTip(str(entry.folder))
                action.triggered.connect(lambda _=False, f=entry.folder: self.use_kit(f))
            self.kit_actions.append(action)
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addActions([self.save_action, self.import_action])

    # ---- using a kit -------------------------------------------------------------------
    @Slot()
    def use_default_kit(self) -> bool:
        return self._apply(default_kit(), {})

    def use_kit(self, folder: Path) -> bool:
        """Apply the kit in ``folder`` to the pattern as one undo step."""
        try:
            with _busy():
                spec = self._library.read(folder)
                own = self._library.samples_for(folder, spec, self._samples)
        except KitError as exc:
            self._warn("Could not use the kit", str(exc))
            return False
        return self._apply(spec, own)

    def _apply(self, spec: KitSpec, own: dict[str, OwnSample]) -> bool:
        try:
            applied = apply_kit(self._document.pattern, spec, own)
            self._document.load_snapshot(applied.pattern.to_snapshot(), f"Kit {spec.name}")
        except SnapshotError as exc:
            self._warn("Could not use the kit", str(exc))
            return False
        self._status(applied.describe(spec.name))
        return True

    # ---- saving ------------------------------------------------------------------------
    @Slot()
    def save_as_kit(self) -> bool:
        name, ok = QInputDialog.getText(
            self._window,
            "Save as kit",
            "Name of the kit (its sounds are the tracks' sounds, in track order):",
            QLineEdit.EchoMode.Normal,
            self._library.unique_name("My kit"),
        )
        name = name.strip()[:MAX_NAME_CHARS]
        if not ok or not name:
            return False
        return self.save_kit(name)

    def save_kit(self, name: str) -> bool:
        existing = self._library.find(name)
        if existing is not None:
            answer = QMessageBox.question(
                self._window,
                "Replace the kit?",
                f"A kit named {existing.name} already exists. Replace it with these sounds?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            with _busy():
                folder = self._library.save_pattern(
                    name, self._document.pattern, self._samples, replace=existing is not None
                )
        except KitError as exc:
            self._warn("Could not save the kit", str(exc))
            return False
        self._status(f"Saved the kit {name} ({folder}).")
        return True

    # ---- Hydrogen ----------------------------------------------------------------------
    @Slot()
    def import_hydrogen(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Import Hydrogen drumkit", self._kits_start(), HYDROGEN_FILTER
        )
        if path:
            self.import_file(Path(path))

    def _kits_start(self) -> str:
        """Where the kits a Hydrogen user owns are: Hydrogen's own kit folder, else the
        system's (Debian's hydrogen-drumkits); else the last pattern folder, else home.
        The dialog opened in the home folder, far from any kit."""
        for kits in (Path.home() / ".hydrogen" / "data" / "drumkits", SYSTEM_HYDROGEN_KITS):
            if kits.is_dir():
                return str(kits)
        folder = self._folder.last_pattern_dir
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def import_file(self, path: Path) -> None:
        """Store the Hydrogen kit at ``path`` as a kit (on a worker: a big archive takes
        seconds to unpack), then offer to use it now. ``importFinished`` follows."""
        self.import_action.setEnabled(False)
        self._status(f"Importing {path.name}…")
        self._tasks.submit(
            import_hydrogen,
            path,
            self._library,
            on_done=lambda result: self._imported(path, result),
            on_error=self._import_failed,
            context=self,
        )

    def _import_failed(self, error: BaseException) -> None:
        self.import_action.setEnabled(True)
        self._window.statusBar().clearMessage()
        if not isinstance(error, KitError):
            log.error("Hydrogen import failed", exc_info=error)
        self._warn("Could not import the Hydrogen kit", str(error))
        self.importFinished.emit(False)

    def _imported(self, path: Path, result: HydrogenImport) -> None:
        self.import_action.setEnabled(True)
        self._folder.last_pattern_dir = str(path.parent)
        self.rebuild()
        answer = QMessageBox.question(
            self._window,
            "Hydrogen kit imported",
            f"{result.describe()}\n\nUse it on this pattern now? Its sounds go on the tracks in"
            " order; the steps stay, and Undo brings the old sounds back.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.use_kit(result.folder)
        else:
            self._status(result.describe() + " It is in the Kit menu.")
        self.importFinished.emit(True)

    # ---- telling -----------------------------------------------------------------------
    def _status(self, text: str) -> None:
        self._window.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def _warn(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        QMessageBox.warning(self._window, title, text)


@contextmanager
def _busy() -> Iterator[None]:
    """A wait cursor while a kit is read or copied (a fraction of a second, even for a
    hundred-megabyte kit: only each instrument's first sample is decoded)."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()
