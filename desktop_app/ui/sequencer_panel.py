"""The sequencer as one panel: transport and pattern controls on top, track headers beside
the step grid below.

The panel owns the musician's keyboard shortcuts as actions (Space play/stop, R record,
Ctrl+Z / Ctrl+Shift+Z undo/redo), window-wide but yielding to text fields; the main window
can reuse ``play_action``, ``record_action``, ``undo_action`` and ``redo_action`` in its
menus rather than defining its own.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.flow_layout import FlowLayout
from desktop_app.ui.grid_geometry import RULER_HEIGHT, GridMetrics, content_height
from desktop_app.ui.menu_button import forget_hover_when_closed
from desktop_app.ui.pattern_controls import PatternControls
from desktop_app.ui.sequencer_grid import SequencerGrid
from desktop_app.ui.step_ruler import StepRuler
from desktop_app.ui.track_header import (
    COMPACT_HEADER_WIDTH,
    HEADER_WIDTH,
    HeaderViewport,
    TrackHeaderColumn,
)
from desktop_app.ui.track_sound import pick_new_track
from desktop_app.ui.transport_bar import TransportBar

_SHEET = f"""
SequencerPanel {{ background: {theme.BG}; }}
QFrame#toolbar {{ background: {theme.BG}; border-bottom: 1px solid {theme.BORDER}; }}
QLabel#corner {{ color: {theme.TEXT_FAINT}; font-size: 9px; font-weight: bold;
    letter-spacing: 1px; padding-left: 10px; }}
QToolButton#addTrack {{ background: {theme.BG_RAISED}; color: {theme.TEXT}; border: 1px solid
    {theme.BORDER}; border-radius: 4px; padding: 1px 8px; }}
QToolButton#addTrack:hover {{ border-color: {theme.ACCENT}; color: {theme.ACCENT_BRIGHT}; }}
QToolButton#addTrack::menu-indicator {{ image: none; width: 0; }}
QToolButton#history {{ background: transparent; color: {theme.TEXT_DIM}; border: 1px solid
    transparent; border-radius: 4px; padding: 3px 6px; }}
QToolButton#history:hover {{ border-color: {theme.BORDER}; color: {theme.TEXT}; }}
QToolButton#history:disabled {{ color: {theme.TEXT_FAINT}; }}
QScrollArea#gridScroll {{ background: {theme.BG_DEEP}; border: none; }}
"""


class HistoryButton(QToolButton):
    """A fixed-width Undo/Redo button; the action's changing text ("Undo Paint steps")
    goes to the tooltip, so the toolbar does not jump as the history changes."""

    def __init__(self, label: str, action: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._action = action
        self.setText(label)
        self.clicked.connect(action.trigger)
        action.changed.connect(self._follow)
        self._follow()

    def _follow(self) -> None:
        action = self._action
        if not Shiboken.isValid(action):  # the action is being destroyed with the panel
            return
        self.setEnabled(action.isEnabled())
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.setToolTip(f"{action.text()} ({shortcut})")


class SequencerPanel(QWidget):
    """Grid, track headers, pattern controls and transport, bound to the two states."""

    def __init__(
        self,
        sequencer_state: SequencerState,
        recording_state: RecordingState,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SequencerPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(_SHEET)
        self._seq = sequencer_state
        self._rec = recording_state
        self._build_actions()
        sequencer_state.drops.added.connect(self._show_track)  # a track made from a file

        self.transport = TransportBar(
            sequencer_state, recording_state, self.play_action, self.record_action, self
        )
        self.pattern_controls = PatternControls(sequencer_state, self)

        undo_button = self._history_button("Undo", self.undo_action)
        redo_button = self._history_button("Redo", self.redo_action)

        history = QWidget(self)
        history_layout = QHBoxLayout(history)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.setSpacing(4)
        history_layout.addWidget(undo_button)
        history_layout.addWidget(redo_button)

        # One line when there is room; in a small window the groups wrap onto new lines
        # rather than being drawn over each other.
        self.toolbar = QFrame(self)
        self.toolbar.setObjectName("toolbar")
        top = FlowLayout(self.toolbar, spacing=16, row_spacing=8)
        top.setContentsMargins(10, 8, 10, 8)
        top.addWidget(self.transport)
        top.addWidget(self.pattern_controls)
        top.addWidget(history)

        # grid area: corner | ruler over track headers | grid
        self.grid = SequencerGrid(sequencer_state)
        self.grid_scroll = QScrollArea(self)
        self.grid_scroll.setObjectName("gridScroll")
        self.grid_scroll.setWidget(self.grid)
        self.grid_scroll.setWidgetResizable(True)
        self.grid_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.grid_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        # Tab goes to the grid itself (which takes the arrow keys), not to its scroll area.
        self.grid_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.grid.cursorMoved.connect(self._follow_grid_cursor)
        sequencer_state.currentStepChanged.connect(self._follow_playhead)
        self.ruler = StepRuler(sequencer_state, self)
        self.ruler.set_metrics(self.grid.metrics)
        self.grid.metricsChanged.connect(self.ruler.set_metrics)
        self.headers = TrackHeaderColumn(sequencer_state)
        self.headers.installEventFilter(self)  # a click on a header picks its row
        self.headers.set_metrics(self.grid.metrics)
        self.grid.metricsChanged.connect(self.headers.set_metrics)
        self.header_view = HeaderViewport(self.headers, self)

        hbar = self.grid_scroll.horizontalScrollBar()
        vbar = self.grid_scroll.verticalScrollBar()
        hbar.valueChanged.connect(self.ruler.set_offset)
        vbar.valueChanged.connect(self.header_view.set_offset)
        self.header_view.scrollRequested.connect(lambda dy: vbar.setValue(vbar.value() + dy))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._show_focused_header)

        corner = QWidget(self)
        corner.setFixedSize(HEADER_WIDTH, RULER_HEIGHT)
        self._corner = corner
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 6, 0)
        caption = QLabel("TRACKS", corner)
        caption.setObjectName("corner")
        self._caption = caption
        corner_layout.addWidget(caption)
        corner_layout.addStretch(1)
        self.add_track_button = QToolButton(corner)
        self.add_track_button.setObjectName("addTrack")
        self.add_track_button.setText("+ Track")
        self.add_track_button.setToolTip("Add a track playing one of the kit's sounds")
        self.add_track_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_track_menu = QMenu(self.add_track_button)
        self.add_track_menu.aboutToShow.connect(self._fill_add_track_menu)
        self.add_track_button.setMenu(self.add_track_menu)
        forget_hover_when_closed(self.add_track_button, self.add_track_menu)
        corner_layout.addWidget(self.add_track_button)

        area = QGridLayout()
        area.setContentsMargins(0, 0, 0, 0)
        area.setSpacing(0)
        area.addWidget(corner, 0, 0)
        area.addWidget(self.ruler, 0, 1)
        area.addWidget(self.header_view, 1, 0)
        area.addWidget(self.grid_scroll, 1, 1)
        area.setColumnStretch(1, 1)
        area.setRowStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addLayout(area, 1)
        self._fill_add_track_menu()
        # One minimum whatever the headers show now (compact headers and a few steps, the
        # grid scrolling), so the window's columns can plan on it; the headers follow the
        # width the columns give the panel.
        self.compact = False
        self.setMinimumWidth(COMPACT_HEADER_WIDTH + 120)
        sequencer_state.patternChanged.connect(self._choose_headers)

    # ---- compact headers ---------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        self._choose_headers()
        super().resizeEvent(event)

    def _choose_headers(self, *_args: object) -> None:
        """Full track headers while the whole pattern still shows beside them; compact
        ones when they would push steps out of sight."""
        self.set_compact(self.width() < self.fitting_width())

    def set_compact(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        self.header_view.set_compact(compact)
        self._corner.setFixedWidth(self.headers.header_width)
        self._caption.setVisible(not compact)

    # ---- actions ---------------------------------------------------------------------
    def _build_actions(self) -> None:
        seq, rec = self._seq, self._rec
        self.play_action = QAction("Play", self)
        self.play_action.setCheckable(True)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.triggered.connect(lambda _checked=False: seq.toggle_playing())
        self.play_action.setEnabled(seq.engine is not None)

        self.record_action = QAction("Record", self)
        self.record_action.setCheckable(True)
        self.record_action.setShortcut(QKeySequence(Qt.Key.Key_R))
        self.record_action.triggered.connect(lambda _checked=False: rec.toggle())
        self.record_action.setEnabled(seq.engine is not None)

        self.undo_action = seq.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.redo_action = seq.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.play_action, self.record_action, self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        # the action's own checked state must follow the states, not the clicks
        self.record_action.triggered.connect(
            lambda _c=False: self.record_action.setChecked(rec.is_recording)
        )
        self.play_action.triggered.connect(
            lambda _c=False: self.play_action.setChecked(seq.is_playing)
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A click on a track header that no control of it took (its name, its free
        space) makes its row the grid's current row, as in Hydrogen's instrument list:
        the Edit menu's Copy, Paste and Clear act on it."""
        if (
            watched is self.headers
            and isinstance(event, QMouseEvent)
            and event.type() == QEvent.Type.MouseButtonPress
            and event.button() == Qt.MouseButton.LeftButton
        ):
            y = event.position().y()
            for header in self.headers.headers:
                if header.isVisible() and header.y() <= y < header.y() + header.height():
                    self.grid.setFocus(Qt.FocusReason.MouseFocusReason)
                    self.grid.set_cursor_cell(header.index, self.grid.cursor_cell[1], show=True)
                    break
        return False

    def _show_focused_header(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Tab into a track header below (or above) the visible rows scrolls it into view:
        the headers move with the grid's scroll bar, not with the focus."""
        if new is None or not Shiboken.isValid(self) or not self.headers.isAncestorOf(new):
            return
        top = new.mapTo(self.headers, QPoint(0, 0)).y()
        vbar = self.grid_scroll.verticalScrollBar()
        room = self.grid_scroll.viewport().height()
        if top < vbar.value():
            vbar.setValue(top - 4)
        elif top + new.height() > vbar.value() + room:
            vbar.setValue(top + new.height() + 4 - room)

    def _follow_grid_cursor(self, cell: QRect) -> None:
        """Keep the keyboard cursor's cell in view as it moves past the visible part."""
        centre = cell.center()
        self.grid_scroll.ensureVisible(centre.x(), centre.y(), cell.width(), cell.height())

    def _follow_playhead(self, step: int) -> None:
        """A pattern wider than the view: the playing step leaving it turns the page, so
        the playhead stays in sight (LMMS's auto-scroll, Hydrogen's follow-playhead)."""
        hbar = self.grid_scroll.horizontalScrollBar()
        if step < 0 or hbar.maximum() == 0:
            return
        cell = self.grid.cell_rect(0, step)
        room = self.grid_scroll.viewport().width()
        if cell.left() < hbar.value() or cell.right() > hbar.value() + room:
            hbar.setValue(cell.left() - self.grid.metrics.left_padding)

    def _history_button(self, label: str, action: QAction) -> QToolButton:
        button = HistoryButton(label, action, self)
        button.setObjectName("history")
        return button

    def _fill_add_track_menu(self) -> None:
        menu = self.add_track_menu
        menu.clear()
        for sample in self._seq.sample_names():
            label = sample.replace("_", " ").capitalize()
            action = menu.addAction(label)
            action.triggered.connect(lambda _c=False, s=sample: self._add_track(s))
        menu.addSeparator()
        from_file = menu.addAction("Audio file…")
        from_file.setToolTip("A new track playing an audio file of yours")
        from_file.triggered.connect(lambda _c=False: self._add_track_from_file())

    def _add_track(self, sample: str) -> None:
        index = self._seq.add_track(sample)
        self.grid_scroll.ensureVisible(0, self.grid.metrics.content_height(index + 1), 0, 0)

    def _add_track_from_file(self) -> None:
        pick_new_track(self._seq, self)

    def _show_track(self, index: int) -> None:
        self.grid_scroll.ensureVisible(0, self.grid.metrics.content_height(index + 1), 0, 0)

    def wanted_width(self) -> int:
        """The width that shows the whole pattern with the largest pads the grid's height
        has room for (``MAX_CELL_WIDTH`` on a big screen) and the toolbar on one line;
        more only adds empty space beside the grid."""
        room = self.height() - self.toolbar.height() - RULER_HEIGHT
        largest = GridMetrics.fitting(self._seq.pattern, 1 << 20, max(0, room))
        return max(self._width_for(largest), self.toolbar.sizeHint().width())

    def fitting_width(self, *, compact: bool = False) -> int:
        """The narrowest width that still shows the whole pattern, with the smallest
        cells, beside full (or compact) track headers: narrower, the headers turn compact
        (or the grid scrolls sideways)."""
        return self._width_for(GridMetrics.smallest(), compact=compact)

    def _width_for(self, metrics: GridMetrics, *, compact: bool = False) -> int:
        header = COMPACT_HEADER_WIDTH if compact else HEADER_WIDTH
        grid = header + metrics.content_width(self._seq.pattern)
        return grid + self.grid_scroll.verticalScrollBar().sizeHint().width() + 2

    def sizeHint(self) -> QSize:
        p = self._seq.pattern
        width = HEADER_WIDTH + min(GridMetrics().content_width(p), 1100) + 12
        height = 64 + RULER_HEIGHT + min(content_height(len(p.tracks)), 520) + 12
        return QSize(max(width, 900), height)
