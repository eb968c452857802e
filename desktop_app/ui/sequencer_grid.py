"""The step grid: tracks × steps in one custom-painted widget (the ruler above it is
``step_ruler``; where rows and columns fall is ``grid_geometry``).

One widget paints every cell (a button per cell would be thousands of widgets at 64 steps
and could not paint across cells). Mouse gestures, like on a hardware drum machine:

* click toggles a step; dragging paints or erases — the first cell's new state decides
  which — and the whole stroke is one undo step;
* the wheel over a lit step changes its velocity (Shift: fine); so does a vertical drag
  with the right button or Alt+left; velocity shows as the cell's shade;
* the column being heard is highlighted while the pattern plays.

And from the keyboard, once the grid has the focus (Tab, or a click): the arrow keys move
a cursor cell (drawn as an accent outline, the grid's focus indicator), Enter toggles the
step under it, + and - change its velocity — undoable like the mouse edits, repeated
presses on one cell merging into one undo step. Space stays the transport.

An audio file dropped on the empty area under the last row becomes a new track playing
it (``track_sound``), as it does under the track headers.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop_app.domain.pattern import DEFAULT_VELOCITY, Pattern
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.grid_cells import paint_cell, paint_cursor, paint_velocity
from desktop_app.ui.grid_geometry import GridMetrics, content_height
from desktop_app.ui.track_sound import accept_audio_drag, drop_new_track
from desktop_app.ui.velocity_gestures import WHEEL_STEP as WHEEL_STEP
from desktop_app.ui.velocity_gestures import NudgeMerge, dragged, nudged

# Focus that arrives from the keyboard: the cursor cell shows at once.
_KEYBOARD_REASONS = (
    Qt.FocusReason.TabFocusReason,
    Qt.FocusReason.BacktabFocusReason,
    Qt.FocusReason.ShortcutFocusReason,
)


class SequencerGrid(QWidget):
    """Paints the pattern of ``state`` and turns mouse gestures into undoable edits."""

    hoveredCellChanged = Signal(int, int)  # track, step; -1, -1 when leaving
    cursorMoved = Signal(QRect)  # the keyboard cursor's cell, for the scroll area to follow
    metricsChanged = Signal(GridMetrics)  # the cells were resized to the grid's new width

    def __init__(self, state: SequencerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._current = state.current_step
        self._metrics = GridMetrics()
        self._hover: tuple[int, int] | None = None
        # gesture in progress
        self._mode: str | None = None  # "paint" | "erase" | "velocity"
        self._gesture: int | None = None
        self._last_pos: QPointF | None = None
        self._drag_cell: tuple[int, int] | None = None
        self._drag_origin_y = 0.0
        self._drag_origin_velocity = 0
        self._nudges = NudgeMerge(state.new_gesture)  # wheel and +/-: merged undo steps
        self.paint_velocity = DEFAULT_VELOCITY
        self._cursor = (0, 0)  # track, step: where the keyboard edits
        # Shown while the keyboard is in use (focus by Tab, or a key pressed), not after
        # every click: a ring left on the last clicked pad would read as a stuck selection.
        self._cursor_shown = False

        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Step grid")
        self._label_font = QFont(self.font())
        self._label_font.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.75))
        state.patternChanged.connect(self._on_pattern_changed)
        state.currentStepChanged.connect(self._on_current_step)
        self._on_pattern_changed()

    # ---- geometry --------------------------------------------------------------------
    @property
    def pattern(self) -> Pattern:
        return self._state.pattern

    @property
    def metrics(self) -> GridMetrics:
        """The cell width and gaps the grid paints with now (they follow its width)."""
        return self._metrics

    def sizeHint(self) -> QSize:
        """Room for every step at full size."""
        p = self.pattern
        return QSize(GridMetrics().content_width(p), content_height(len(p.tracks)))

    def minimumSizeHint(self) -> QSize:
        """Room for every step at the smallest cells: narrower, the scroll area scrolls."""
        p = self.pattern
        return QSize(GridMetrics.smallest().content_width(p), content_height(len(p.tracks)))

    def cell_rect(self, track: int, step: int) -> QRect:
        """Where a cell is painted."""
        return self._metrics.cell_rect(self.pattern, track, step)

    def cell_at(self, pos: QPoint | QPointF) -> tuple[int, int] | None:
        return self._metrics.cell_at(self.pattern, pos.x(), pos.y())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_cells()

    def _fit_cells(self) -> None:
        metrics = GridMetrics.fitting(self.pattern, self.width(), self.height())
        if metrics != self._metrics:
            self._metrics = metrics
            self.update()
            self.metricsChanged.emit(metrics)

    # ---- state -----------------------------------------------------------------------
    def _on_pattern_changed(self) -> None:
        p = self.pattern
        track, step = self._cursor
        self._cursor = (max(0, min(track, len(p.tracks) - 1)), max(0, min(step, p.length - 1)))
        self.setMinimumSize(self.minimumSizeHint())
        self.updateGeometry()
        self._fit_cells()
        self.update()

    def _on_current_step(self, step: int) -> None:
        """Repaint only the two columns that changed: at 64 steps × 16 tracks a full
        repaint 30 times a second would be wasted work."""
        if step == self._current:
            return
        previous, self._current = self._current, step
        for column in (previous, step):
            if 0 <= column < self.pattern.length:
                self.update(self._column_rect(column))

    def _column_rect(self, step: int) -> QRect:
        left, width = self._metrics.column_span(self.pattern, step)
        return QRect(left, 0, width, self.height())

    # ---- painting --------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = self.pattern
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(event.rect(), theme.color(theme.BG_DEEP))
        spb = max(1, p.steps_per_beat)
        m = self._metrics
        height = m.content_height(len(p.tracks))

        # beat groups: a faint band behind every other beat makes the bar readable at a glance
        for beat_start in range(0, p.length, spb):
            if (beat_start // spb) % 2 == 1:
                last = min(p.length, beat_start + spb) - 1
                x0 = m.column_span(p, beat_start)[0]
                x1 = sum(m.column_span(p, last))
                painter.fillRect(QRect(x0, 0, x1 - x0, height), theme.color(theme.BG_RAISED, 110))

        # the step being heard: a column glow behind the cells
        current = self._current
        if 0 <= current < p.length:
            column = self._column_rect(current)
            column.setHeight(height)
            painter.fillRect(column, theme.color(theme.PLAYHEAD, 46))

        soloing = any(t.solo for t in p.tracks)
        exposed = event.rect()
        for ti, track in enumerate(p.tracks):
            if not exposed.top() - m.row_height <= m.row_y(ti) <= exposed.bottom():
                continue
            audible = track.solo if soloing else not track.mute
            painter.setOpacity(1.0 if audible else 0.38)
            for si in range(p.length):
                rect = self.cell_rect(ti, si)
                if rect.intersects(exposed):
                    velocity = track.steps[si]
                    paint_cell(painter, QRectF(rect), velocity, playing=si == current,
                               on_beat=si % spb == 0,
                               hovered=self._hover == (ti, si) and self._mode is None)  # fmt: skip
                    if self._mode == "velocity" and self._drag_cell == (ti, si):
                        paint_velocity(painter, QRectF(rect), velocity, self._label_font)
            painter.setOpacity(1.0)
        if self.hasFocus() and self._cursor_shown and p.tracks and p.length:
            track_i, step_i = self._cursor
            cursor = QRectF(self.cell_rect(track_i, step_i))
            velocity = p.tracks[track_i].steps[step_i]
            if velocity:
                paint_velocity(painter, cursor, velocity, self._label_font)
            paint_cursor(painter, cursor)

    # ---- mouse -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if cell is None or self._mode is not None:
            event.ignore()
            return
        button = event.button()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if button == Qt.MouseButton.RightButton or (button == Qt.MouseButton.LeftButton and alt):
            self._begin_velocity_drag(cell, event.position())
        elif button == Qt.MouseButton.LeftButton:
            self._set_cursor_shown(False)
            self.set_cursor_cell(*cell)  # the keyboard continues where the mouse was
            self._begin_stroke(cell, event.position())
        else:
            event.ignore()
            return
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._mode in ("paint", "erase"):
            self._stroke_to(pos)
        elif self._mode == "velocity":
            self._velocity_drag_to(pos, event.modifiers())
        self._set_hover(self.cell_at(pos))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._mode is None:
            event.ignore()
            return
        if self._mode in ("paint", "erase"):
            self._stroke_to(event.position())
        self._mode = None
        self._gesture = None
        self._last_pos = None
        self._drag_cell = None
        self.update()

    def wheelEvent(self, event) -> None:  # QWheelEvent
        cell = self.cell_at(event.position())
        delta = event.angleDelta().y()
        if cell is None or delta == 0 or self._mode is not None:
            event.ignore()
            return
        track, step = cell
        velocity = self.pattern.tracks[track].steps[step]
        if velocity == 0:
            event.ignore()  # over an empty step the wheel scrolls, as everywhere else
            return
        fine = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        new = nudged(velocity, delta / 120.0, fine)
        self._state.set_step(track, step, new, self._nudges.gesture_for(cell), "Change velocity")
        self._show_velocity_tip(event.globalPosition().toPoint(), track, step)
        event.accept()

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            help_event = event
            cell = self.cell_at(help_event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                self._show_velocity_tip(help_event.globalPos(), *cell)
            return True
        return super().event(event)

    # ---- keyboard --------------------------------------------------------------------
    @property
    def cursor_cell(self) -> tuple[int, int]:
        """The cell the keyboard edits (track, step)."""
        return self._cursor

    def set_cursor_cell(self, track: int, step: int, *, show: bool = False) -> None:
        p = self.pattern
        if not p.tracks or not p.length:
            return
        if show:  # a row picked on purpose (its header clicked): where the keys act shows
            self._set_cursor_shown(True)
        cell = (max(0, min(track, len(p.tracks) - 1)), max(0, min(step, p.length - 1)))
        if cell == self._cursor:
            return
        old, self._cursor = self._cursor, cell
        for t, st in (old, cell):
            self.update(self.cell_rect(t, st).adjusted(-6, -6, 6, 6))
        self.cursorMoved.emit(self.cell_rect(*cell))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        p = self.pattern
        key = event.key()
        track, step = self._cursor
        moves = {
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
            Qt.Key.Key_Up: (-1, 0),
            Qt.Key.Key_Down: (1, 0),
        }
        if not p.tracks or not p.length:
            super().keyPressEvent(event)
        elif Qt.Key(key) in moves:
            dt, ds = moves[Qt.Key(key)]
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:  # a beat at a time
                ds *= max(1, p.steps_per_beat)
            self.set_cursor_cell(track + dt, step + ds)
        elif key == Qt.Key.Key_Home:
            self.set_cursor_cell(track, 0)
        elif key == Qt.Key.Key_End:
            self.set_cursor_cell(track, p.length - 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._nudges.end()  # a toggle ends any velocity merge on this cell
            self._state.toggle_step(track, step, self.paint_velocity)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            up = key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal)
            fine = key in (Qt.Key.Key_Underscore,) or (
                bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            )
            self._nudge_velocity(up, fine)
        else:
            super().keyPressEvent(event)
            return
        self._set_cursor_shown(True)
        event.accept()

    def _set_cursor_shown(self, shown: bool) -> None:
        if shown != self._cursor_shown:
            self._cursor_shown = shown
            self.update(self.cell_rect(*self._cursor).adjusted(-6, -6, 6, 6))

    def _nudge_velocity(self, up: bool, fine: bool) -> None:
        """+/- on a lit step: like the wheel, and merged with it into one undo step while
        the presses follow each other on the same cell."""
        track, step = self._cursor
        velocity = self.pattern.tracks[track].steps[step]
        if velocity == 0:
            return
        new = nudged(velocity, 1 if up else -1, fine)
        gesture = self._nudges.gesture_for((track, step))
        self._state.set_step(track, step, new, gesture, "Change velocity")

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        reason = event.reason()
        if reason == Qt.FocusReason.MouseFocusReason:
            self._cursor_shown = False
        elif reason in _KEYBOARD_REASONS:
            self._cursor_shown = True
        # else (the window's first focus, its return, a closed menu): as it was
        self.update()
        self.cursorMoved.emit(self.cell_rect(*self._cursor))

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    # ---- gestures --------------------------------------------------------------------
    def _begin_stroke(self, cell: tuple[int, int], pos: QPointF) -> None:
        track, step = cell
        was_on = self.pattern.tracks[track].steps[step] > 0
        self._mode = "erase" if was_on else "paint"
        self._gesture = self._state.new_gesture()
        self._last_pos = QPointF(pos)
        self._apply_stroke_cell(cell)

    def _stroke_to(self, pos: QPointF) -> None:
        """Apply the stroke to every cell between the last position and ``pos``: a fast
        drag delivers sparse move events, and the musician expects a continuous line."""
        start = self._last_pos or pos
        dx, dy = pos.x() - start.x(), pos.y() - start.y()
        distance = max(abs(dx), abs(dy))
        steps = max(1, int(distance // (self._metrics.cell_width / 3)))
        seen: set[tuple[int, int]] = set()
        for i in range(1, steps + 1):
            point = QPointF(start.x() + dx * i / steps, start.y() + dy * i / steps)
            cell = self.cell_at(point)
            if cell is not None and cell not in seen:
                seen.add(cell)
                self._apply_stroke_cell(cell)
        self._last_pos = QPointF(pos)

    def _apply_stroke_cell(self, cell: tuple[int, int]) -> None:
        track, step = cell
        current = self.pattern.tracks[track].steps[step]
        if self._mode == "paint" and current == 0:
            self._state.set_step(track, step, self.paint_velocity, self._gesture, "Paint steps")
        elif self._mode == "erase" and current > 0:
            self._state.set_step(track, step, 0, self._gesture, "Erase steps")

    def _begin_velocity_drag(self, cell: tuple[int, int], pos: QPointF) -> None:
        track, step = cell
        self._mode = "velocity"
        self._gesture = self._state.new_gesture()
        self._drag_cell = cell
        self._drag_origin_y = pos.y()
        velocity = self.pattern.tracks[track].steps[step]
        self._drag_origin_velocity = velocity
        self.update()

    def _velocity_drag_to(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self._drag_cell is None:
            return
        track, step = self._drag_cell
        fine = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        new = dragged(self._drag_origin_velocity, self._drag_origin_y - pos.y(), fine)
        self._state.set_step(track, step, new, self._gesture, "Change velocity")

    # ---- audio files dropped under the rows ------------------------------------------
    def _under_the_rows(self, pos: QPoint | QPointF) -> bool:
        return pos.y() >= self._metrics.row_y(len(self.pattern.tracks))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_audio_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._under_the_rows(event.position()):
            accept_audio_drag(event)
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if self._under_the_rows(event.position()):
            drop_new_track(self._state, event)
        else:
            event.ignore()

    # ---- hover -----------------------------------------------------------------------
    def _set_hover(self, cell: tuple[int, int] | None) -> None:
        if cell != self._hover:
            self._hover = cell
            self.hoveredCellChanged.emit(*(cell or (-1, -1)))
            self.update()

    def _show_velocity_tip(self, global_pos: QPoint, track: int, step: int) -> None:
        t = self.pattern.tracks[track]
        velocity = t.steps[step]
        spb = max(1, self.pattern.steps_per_beat)
        where = f"beat {step // spb + 1}.{step % spb + 1}"
        state = f"velocity {velocity}" if velocity else "off"
        QToolTip.showText(global_pos, f"{t.name} · {where} · {state}", self)
