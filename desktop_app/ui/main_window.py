"""The one window: threads on the left, the sequencer in the middle, the conversation on
the right, the connection in the status bar.

The window owns no state of its own beyond its layout; it binds widgets to the states it
is given and turns menu commands into calls on them. Its geometry, dock state and
splitter sizes are saved on close and restored on the next start, because a musician who
arranged the window expects to find it that way again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QKeyCombination, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QWidget

from desktop_app import __version__
from desktop_app.domain.pattern import SnapshotError
from desktop_app.settings import Settings
from desktop_app.state.pattern_loader import PatternLoader
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui import theme
from desktop_app.ui.columns_splitter import ColumnsSplitter
from desktop_app.ui.connection_indicator import ConnectionIndicator
from desktop_app.ui.conversation_panel import ConversationPanel
from desktop_app.ui.edit_actions import EditActions
from desktop_app.ui.export_actions import ExportActions
from desktop_app.ui.focus_ring import FocusRingFollower
from desktop_app.ui.menu_action import menu_action
from desktop_app.ui.midi_actions import MidiActions
from desktop_app.ui.pattern_drop import PatternDrop
from desktop_app.ui.pattern_file_actions import PatternFileActions
from desktop_app.ui.sequencer_panel import SequencerPanel
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.thread_list import ThreadListWidget

log = logging.getLogger(__name__)

APP_TITLE = "Sequencer"
DEFAULT_SIZE = (1480, 880)
DEFAULT_SPLITTER = [240, 900, 380]
STATUS_TIMEOUT_MS = 8000


class MainWindow(QMainWindow):
    """``MainWindow(settings, sequencer_state, recording_state, threads_state, ...)``.

    ``settingsSaved`` fires after the Settings dialog wrote new values (the app reacts to
    the individual ``Settings.changed`` signals; this one is for tests and logging).
    """

    settingsSaved = Signal()
    joinRequested = Signal()  # File → Join a server…; the app opens the dialog
    inviteRequested = Signal()  # File → Invite a bandmate…
    # A message's Load fetches the pattern's sounds first, when set (``use_pattern_loader``).
    _loader: PatternLoader | None = None
    #: Who the server in use says the token is (``""`` where the name is free); Settings
    #: shows it read-only.
    server_identity: str = ""

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
        self.focus_rings.start_quietly(self.sequencer_panel.grid)  # where a musician works
        self._build_menus()
        # A pattern file dropped on the window opens as File → Open opens it.
        self.pattern_drop = PatternDrop(self, self.pattern_files.open_file)
        self._bind_threads(threads_state)
        recording_state.error.connect(self.show_error)
        self.restore_layout()

    # ---- binding ---------------------------------------------------------------------------
    def _bind_threads(self, threads_state: ThreadsState) -> None:
        sizes = self.splitter.preferred_sizes()  # (the list's open width, even if folded)
        old_list, old_conv = self.splitter.widget(0), self.splitter.widget(2)
        self.thread_list = ThreadListWidget(threads_state)
        self.conversation = ConversationPanel(threads_state, self._sequencer, self._recording)
        self.conversation.loadRequested.connect(self.load_snapshot_from_message)
        self.conversation.sendFailed.connect(self.show_error)
        self.thread_list.foldRequested.connect(self.toggle_threads)
        self.thread_list.set_fold_shortcut(
            self.threads_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        )
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
        self.splitter.refold()
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

    def set_server_label(self, label: str) -> None:
        """The server being connected to, on the status bar's indicator (which a switch
        replaces, so callers cannot hold it)."""
        self.connection_indicator.set_server_label(label)

    @property
    def threads_state(self) -> ThreadsState:
        return self._threads

    # ---- menus -----------------------------------------------------------------------------
    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence.StandardKey | None = None,
        tip: str = "",
    ) -> QAction:
        return menu_action(self, text, slot, tip, shortcut)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.pattern_files = PatternFileActions(self, self._sequencer, self._settings)
        self.new_pattern_action = self.pattern_files.new_action
        self.open_pattern_action = self.pattern_files.open_action
        self.save_pattern_action = self.pattern_files.save_action
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
        file_menu.addActions(self.pattern_files.actions)
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
        self.edit = EditActions(self, self._sequencer, panel.grid, self.show_notice)
        self.edit.add_to(edit_menu)

        view_menu = bar.addMenu("&View")
        self.threads_action = self._action(
            "&Thread list",
            self.toggle_threads,
            None,
            "Show or fold the list of threads (a narrow window folds it by itself)",
        )
        self.threads_action.setCheckable(True)
        self.threads_action.setChecked(True)
        self.threads_action.setShortcut(QKeySequence("Ctrl+B"))
        self.splitter.foldChanged.connect(lambda folded: self.threads_action.setChecked(not folded))
        view_menu.addAction(self.threads_action)

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
    def toggle_threads(self) -> None:
        self.splitter.toggle_threads()
        self.threads_action.setChecked(not self.splitter.threads_folded)

    def use_pattern_loader(self, loader: PatternLoader) -> None:
        """Load a message's pattern through ``loader``, which fetches its sounds first and
        reports on the status bar itself; pattern files' named sounds go through it too."""
        self._loader = loader
        self.pattern_files.use_sample_store(loader.files)
        loader.status.connect(self.show_notice)
        loader.failed.connect(self.show_error)

    @Slot(dict)
    def load_snapshot_from_message(self, snapshot: dict) -> None:
        try:
            if self._loader is not None:
                self._loader.load(snapshot)
                return
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
            server_name=self.server_identity,
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
        self.splitter.set_user_folded(s.threads_folded)

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
        s.main_splitter_sizes = self.splitter.preferred_sizes()
        s.threads_folded = self.splitter.user_folded
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(event)
