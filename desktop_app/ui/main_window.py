"""The one window: threads on the left, the sequencer in the middle, the conversation on
the right, the connection in the status bar.

The window owns no state of its own beyond its layout; it binds widgets to the states it
is given and turns menu commands into calls on them. Its geometry, dock state and
splitter sizes are saved on close and restored on the next start, because a musician who
arranged the window expects to find it that way again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QKeyCombination, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QWidget,
)

from desktop_app import __version__
from desktop_app.domain.pattern import SnapshotError, empty_pattern
from desktop_app.services.pattern_files import (
    PatternFileError,
    read_pattern_file,
    write_pattern_file,
)
from desktop_app.settings import Settings
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui import theme
from desktop_app.ui.connection_indicator import ConnectionIndicator
from desktop_app.ui.conversation_panel import ConversationPanel
from desktop_app.ui.export_actions import ExportActions
from desktop_app.ui.focus_ring import FocusRingFollower
from desktop_app.ui.midi_actions import MidiActions
from desktop_app.ui.sequencer_panel import SequencerPanel
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.thread_list import ThreadListWidget

log = logging.getLogger(__name__)

APP_TITLE = "Sequencer"
DEFAULT_SIZE = (1480, 880)
DEFAULT_SPLITTER = [240, 900, 380]
STATUS_TIMEOUT_MS = 8000


class ColumnsSplitter(QSplitter):
    """The window's three columns: thread list, sequencer, conversation.

    The widths last set or dragged are the musician's preferred ones. When the window
    grows past them, the sequencer grows only until its whole pattern shows (its
    ``wanted_width``) and the conversation takes the rest — no empty space beside the
    grid while the thread stays narrow. When the window is smaller, each column gives
    up room in proportion to what it can spare above its minimum, so going back to the
    old size brings back the old layout.
    """

    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self._preferred: list[int] = []
        self.splitterMoved.connect(lambda _pos, _index: self._remember(self.sizes()))

    def setSizes(self, sizes: Sequence[int]) -> None:
        super().setSizes(sizes)
        self._remember(sizes)

    def _remember(self, sizes: Sequence[int]) -> None:
        if len(sizes) == self.count() and all(x > 0 for x in sizes):
            self._preferred = list(sizes)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.count() == 3 and len(self._preferred) == 3:
            QSplitter.setSizes(self, self.share(sum(self.sizes())))

    def share(self, total: int) -> list[int]:
        """Widths for the columns when together they have ``total`` px."""
        pref = list(self._preferred)
        columns = [self.widget(i) for i in range(3)]
        mins = [max(w.minimumSizeHint().width(), w.minimumWidth()) if w else 0 for w in columns]
        pref = [max(p, m) for p, m in zip(pref, mins, strict=True)]
        extra = total - sum(pref)
        if extra >= 0:
            wanted = getattr(self.widget(1), "wanted_width", None)
            grid = max(0, min(extra, wanted() - pref[1])) if wanted is not None else 0
            return [pref[0], pref[1] + grid, pref[2] + extra - grid]
        spare = [p - m for p, m in zip(pref, mins, strict=True)]
        ratio = min(1.0, -extra / max(1, sum(spare)))
        widths = [round(p - s * ratio) for p, s in zip(pref, spare, strict=True)]
        widths[1] += total - sum(widths)  # rounding
        return widths


class MainWindow(QMainWindow):
    """``MainWindow(settings, sequencer_state, recording_state, threads_state, ...)``.

    ``settingsSaved`` fires after the Settings dialog wrote new values (the app reacts to
    the individual ``Settings.changed`` signals; this one is for tests and logging).
    """

    settingsSaved = Signal()
    joinRequested = Signal()  # File → Join a server…; the app opens the dialog
    inviteRequested = Signal()  # File → Invite a bandmate…

    def __init__(
        self,
        settings: Settings,
        sequencer_state: SequencerState,
        recording_state: RecordingState,
        threads_state: ThreadsState,
        *,
        server_label: str = "Local server",
        log_dir: Path | None = None,
        data_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._settings = settings
        self._sequencer = sequencer_state
        self._recording = recording_state
        self._threads = threads_state
        self._log_dir = log_dir
        self._data_dir = data_dir
        self.setWindowTitle(APP_TITLE)
        self.setMinimumSize(760, 520)

        self.sequencer_panel = SequencerPanel(sequencer_state, recording_state)
        self.splitter = ColumnsSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        self.splitter.setStyleSheet(
            f"QSplitter#mainSplitter::handle {{ background: {theme.BORDER}; }}"
        )
        self.thread_list: QWidget | None = None
        self.conversation: ConversationPanel | None = None
        self.splitter.addWidget(QWidget())  # replaced by _bind_threads
        self.splitter.addWidget(self.sequencer_panel)
        self.splitter.addWidget(QWidget())
        self.setCentralWidget(self.splitter)

        self.connection_indicator = ConnectionIndicator(threads_state, server_label)
        notice = getattr(sequencer_state, "notice", None)
        if notice is not None:  # e.g. "Grid set to 3 steps a beat: 2 hits moved ..."
            notice.connect(lambda text: self.statusBar().showMessage(text, STATUS_TIMEOUT_MS))
        self._status_text = QLabel()
        self.statusBar().addPermanentWidget(self.connection_indicator)
        self.statusBar().setSizeGripEnabled(True)
        self.statusBar().setStyleSheet(
            f"QStatusBar {{ background: {theme.BG}; border-top: 1px solid {theme.BORDER};"
            f" color: {theme.TEXT_DIM}; }}"
        )

        self.focus_rings = FocusRingFollower(self)
        self._build_menus()
        self._bind_threads(threads_state)
        recording_state.error.connect(self.show_error)
        self.restore_layout()

    # ---- binding ---------------------------------------------------------------------------
    def _bind_threads(self, threads_state: ThreadsState) -> None:
        sizes = self.splitter.sizes()
        old_list, old_conv = self.splitter.widget(0), self.splitter.widget(2)
        self.thread_list = ThreadListWidget(threads_state)
        self.conversation = ConversationPanel(threads_state, self._sequencer, self._recording)
        self.conversation.loadRequested.connect(self.load_snapshot_from_message)
        self.conversation.sendFailed.connect(self.show_error)
        self.splitter.replaceWidget(0, self.thread_list)
        self.splitter.replaceWidget(2, self.conversation)
        for old in (old_list, old_conv):
            if old is not None:
                old.hide()
                old.deleteLater()
        # (after replaceWidget: a splitter keeps the stretch in the widget's size policy;
        # ColumnsSplitter shares out window resizes itself, this is for the first show)
        for column, stretch in enumerate((0, 1, 1)):
            self.splitter.setStretchFactor(column, stretch)
        if any(sizes):
            self.splitter.setSizes(sizes)
        threads_state.currentThreadChanged.connect(self._update_title)
        threads_state.threadsChanged.connect(self._update_title)
        threads_state.error.connect(self.show_error)
        self._update_title()

    def set_threads_state(self, threads_state: ThreadsState, server_label: str) -> None:
        """Another server (or user): rebuild the thread-bound widgets, keep the layout."""
        for signal in (
            self._threads.currentThreadChanged,
            self._threads.threadsChanged,
        ):
            signal.disconnect(self._update_title)
        self._threads.error.disconnect(self.show_error)
        self._threads = threads_state
        self._bind_threads(threads_state)
        self.statusBar().removeWidget(self.connection_indicator)
        self.connection_indicator.deleteLater()
        self.connection_indicator = ConnectionIndicator(threads_state, server_label)
        self.statusBar().addPermanentWidget(self.connection_indicator)
        self.connection_indicator.show()

    @property
    def threads_state(self) -> ThreadsState:
        return self._threads

    # ---- menus -----------------------------------------------------------------------------
    def _action(self, text: str, slot: Any, shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, QKeySequence.StandardKey):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_pattern_action = self._action(
            "&New pattern",
            self.new_pattern,
            QKeySequence.StandardKey.New,
            "Start from an empty pattern (undoable)",
        )
        self.open_pattern_action = self._action(
            "&Open pattern JSON…",
            self.open_pattern,
            QKeySequence.StandardKey.Open,
            "Load a pattern saved as JSON",
        )
        self.save_pattern_action = self._action(
            "Save pattern &as…",
            self.save_pattern_as,
            QKeySequence.StandardKey.SaveAs,
            "Save the pattern as a JSON file",
        )
        if self.save_pattern_action.shortcut().isEmpty():  # not every platform defines SaveAs
            self.save_pattern_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.settings_action = self._action(
            "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences
        )
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(
                QKeySequence(QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_Comma))
            )
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        if self.quit_action.shortcut().isEmpty():
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addActions(
            [self.new_pattern_action, self.open_pattern_action, self.save_pattern_action]
        )
        file_menu.addSeparator()
        self.midi = MidiActions(self, self._sequencer, self._settings)
        file_menu.addActions([self.midi.import_action, self.midi.export_action])
        self.export = ExportActions(self, self._sequencer, self._settings)
        file_menu.addMenu(self.export.menu)
        file_menu.addSeparator()
        self.join_action = self._action(
            "&Join a server…", lambda: self.joinRequested.emit(), None, "Join a bandmate's server"
        )
        self.invite_action = self._action(
            "&Invite a bandmate…",
            lambda: self.inviteRequested.emit(),
            None,
            "Share the built-in server on this network and make an invite",
        )
        file_menu.addActions([self.join_action, self.invite_action])
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        # The sequencer panel owns the musician's shortcuts (Space, R, Ctrl+Z...); the
        # menus show the same actions, so no shortcut is ever defined twice (ambiguous).
        panel = self.sequencer_panel
        self.undo_action = panel.undo_action
        self.redo_action = panel.redo_action
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        transport_menu = bar.addMenu("&Transport")
        transport_menu.addAction(panel.play_action)
        transport_menu.addAction(panel.record_action)

        help_menu = bar.addMenu("&Help")
        self.about_action = self._action("&About Sequencer", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.open_log_action = self._action(
            "Open &log folder", self.open_log_folder, tip="Show the log files in a file manager"
        )
        self.open_log_action.setEnabled(self._log_dir is not None)
        help_menu.addAction(self.about_action)
        help_menu.addAction(self.open_log_action)

    # ---- commands --------------------------------------------------------------------------
    @Slot()
    def new_pattern(self) -> None:
        self._sequencer.load_snapshot(empty_pattern().to_snapshot(), "New pattern")
        self.statusBar().showMessage("New empty pattern — Undo brings the old one back", 5000)

    def _pattern_dir(self) -> str:
        folder = self._settings.last_pattern_dir
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    @Slot()
    def open_pattern(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open pattern", self._pattern_dir(), "Pattern JSON (*.json);;All files (*)"
        )
        if path:
            self.open_pattern_file(Path(path))

    def open_pattern_file(self, path: Path) -> bool:
        """Load a pattern file as one undoable step; a bad file explains itself."""
        try:
            self._sequencer.load_snapshot(read_pattern_file(path), f"Open {path.name}")
        except (PatternFileError, SnapshotError) as exc:
            self._file_error("open", path, str(exc))
            return False
        self._settings.last_pattern_dir = str(path.parent)
        self.statusBar().showMessage(f"Opened {path.name}", STATUS_TIMEOUT_MS)
        return True

    @Slot()
    def save_pattern_as(self) -> None:
        suggested = Path(self._pattern_dir()) / "pattern.json"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save pattern as", str(suggested), "Pattern JSON (*.json)"
        )
        if path:
            target = Path(path)
            if not target.suffix:
                target = target.with_suffix(".json")
            self.save_pattern_file(target)

    def save_pattern_file(self, path: Path) -> bool:
        try:
            write_pattern_file(path, self._sequencer.snapshot())
        except PatternFileError as exc:
            self._file_error("save", path, str(exc))
            return False
        self._settings.last_pattern_dir = str(path.parent)
        self.statusBar().showMessage(f"Saved {path.name}", STATUS_TIMEOUT_MS)
        return True

    def _file_error(self, verb: str, path: Path, why: str) -> None:
        log.warning("could not %s %s: %s", verb, path, why)
        QMessageBox.warning(self, f"Could not {verb} the pattern", f"{path}\n\n{why}")

    @Slot(dict)
    def load_snapshot_from_message(self, snapshot: dict) -> None:
        try:
            self._sequencer.load_snapshot(snapshot, "Load pattern from message")
        except SnapshotError as exc:
            filename = snapshot.get("filename")
            if isinstance(filename, str) and "tracks" not in snapshot:  # a dropped file
                self.show_error(f"This message is the audio file {filename}; it has no pattern.")
            else:
                self.show_error(f"This message's pattern cannot be loaded: {exc}")
            return
        self.statusBar().showMessage("Pattern loaded — Undo brings yours back", 5000)

    @Slot()
    def open_settings(self) -> None:
        dialog = SettingsDialog(
            self._settings,
            embedded_folder=str(self._data_dir) if self._data_dir else "",
            parent=self,
        )
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.statusBar().showMessage("Settings saved", 4000)
            self.settingsSaved.emit()

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Sequencer",
            f"<h3>Sequencer {__version__}</h3>"
            "<p>A step sequencer that records what it plays and shares it in threads.</p>"
            "<p>Space plays and stops, R records a take, Ctrl+Enter sends it to the open "
            "thread.</p>" + (f"<p>Logs: <code>{self._log_dir}</code></p>" if self._log_dir else ""),
        )

    @Slot()
    def open_log_folder(self) -> None:
        if self._log_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_dir)))

    @Slot(str)
    def show_error(self, text: str) -> None:
        """Failures of actions (a thread not created, a take not recorded) go to the status
        bar: visible, but never a dialog storm while offline."""
        log.info("shown to the user: %s", text)
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS * 2)

    @Slot(str)
    def show_notice(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def _update_title(self, *_args: Any) -> None:
        thread = self._threads.current_thread
        self.setWindowTitle(f"{thread.name} — {APP_TITLE}" if thread is not None else APP_TITLE)

    # ---- layout persistence ------------------------------------------------------------------
    def restore_layout(self) -> None:
        s = self._settings
        if not (s.window_geometry and self.restoreGeometry(s.window_geometry)):
            self.resize(self._default_size())
        if s.window_state:
            self.restoreState(s.window_state)
        sizes = s.main_splitter_sizes
        if len(sizes) == self.splitter.count() and all(x > 0 for x in sizes):
            self.splitter.setSizes(sizes)
        else:
            self.splitter.setSizes(self._default_splitter())

    def _default_splitter(self) -> list[int]:
        """Room for a whole 16-step bar in the middle; the side columns as designed."""
        left, _middle, right = DEFAULT_SPLITTER
        middle = max(self.sequencer_panel.sizeHint().width(), 720)
        return [left, middle, right]

    def _default_size(self) -> QSize:
        width = sum(self._default_splitter()) + 2 * self.splitter.handleWidth()
        size = QSize(max(width, DEFAULT_SIZE[0]), DEFAULT_SIZE[1])
        screen = self.screen()
        if screen is not None:
            size = size.boundedTo(screen.availableGeometry().size() * 0.95)
        return size

    def save_layout(self) -> None:
        s = self._settings
        s.window_geometry = bytes(self.saveGeometry().data())
        s.window_state = bytes(self.saveState().data())
        s.main_splitter_sizes = self.splitter.sizes()
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(event)
