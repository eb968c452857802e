"""The conversation: a ``QListView`` over ``MessageListModel`` painted by ``MessageDelegate``.

The view turns clicks on the painted parts of a row into signals (load a pattern, play,
seek, retry an upload); what those do is wired by the shell, so this widget knows nothing
of the sequencer or the player. It keeps the newest message in sight when the user is
already at the bottom, and leaves the scroll position alone when they are reading back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QListView,
    QToolTip,
    QWidget,
)

from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY
from desktop_app.ui import theme
from desktop_app.ui.focus_ring import RingInside, paint_inner_ring
from desktop_app.ui.message_delegate import MessageDelegate
from desktop_app.ui.message_row_geometry import (
    AREA_LINK,
    AREA_LOAD,
    AREA_LOOP,
    AREA_PLAY,
    AREA_QUOTE,
    AREA_RETRY,
    AREA_SEEK,
)
from desktop_app.ui.placeholder import paint_placeholder
from desktop_app.ui.render_player import bar_seconds

SEEK_STEP_SECONDS = 5.0

_TIPS = {
    AREA_LOAD: "Load this pattern into the sequencer",
    AREA_PLAY: "Play / pause the recording",
    AREA_SEEK: "Seek",
    AREA_RETRY: "Try the upload again",
    AREA_LOOP: "Loop: repeat the recording without a gap",
    AREA_QUOTE: "Show the message this one answers",
}


class MessageListView(RingInside, QListView):
    """``MessageListView(parent=None)``; call ``setModel(MessageListModel)``.

    Signals: ``loadRequested(dict)`` the snapshot, ``playRequested(str)`` message id,
    ``seekRequested(str, float)`` message id and 0..1 position, ``retryRequested(str)``,
    ``loopRequested(str)`` the Loop toggle, ``seekByRequested(str, float)`` message id and
    seconds (Left/Right on the current row: the one last clicked), ``dragRequested(str)``
    a render dragged out of its row — connect it directly: the drag runs inside the
    mouse-move handler, as ``QDrag.exec`` must;
    ``drag_modifiers`` holds the keys held as it started (Alt adds the MIDI file).
    The player's state of a row is the model's roles, so rows repaint on ``dataChanged``.
    """

    loadRequested = Signal(dict)
    playRequested = Signal(str)
    seekRequested = Signal(str, float)
    retryRequested = Signal(str)
    loopRequested = Signal(str)
    seekByRequested = Signal(str, float)
    dragRequested = Signal(str)
    linkActivated = Signal(str)  # a web address clicked in a message's words

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageList")
        self._delegate = MessageDelegate(self)
        self.setItemDelegate(self._delegate)
        # Rows with words are taller, and rewrap (so change height) with the width.
        self.setUniformItemSizes(False)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setStyleSheet(
            f"QListView#messageList {{ background: {theme.BG_DEEP}; border: none; }}"
        )
        self._press: tuple[int, str] | None = None
        self._press_pos: QPoint | None = None
        self.drag_modifiers = Qt.KeyboardModifier.NoModifier
        self._placeholder = "No messages yet — record a pattern and send it here."
        self._stick_to_bottom = True
        self._drop_hint = False
        self._drop_caption = ""

    @property
    def delegate(self) -> MessageDelegate:
        return self._delegate

    def set_drop_hint(self, on: bool, caption: str = "Drop to send to this thread") -> None:
        """Files are dragged over the list: an accent frame and a caption say what letting
        go here does, so a drop is never a guess."""
        if on != self._drop_hint or caption != self._drop_caption:
            self._drop_hint, self._drop_caption = on, caption
            self.viewport().update()

    def set_placeholder(self, text: str) -> None:
        """What an empty list says (e.g. "Loading…", "Pick a thread")."""
        self._placeholder = text
        self.viewport().update()

    def setModel(self, model: QAbstractItemModel | None) -> None:
        old = self.model()
        if old is not None:
            for sig, slot in self._model_hooks(old):
                sig.disconnect(slot)
        super().setModel(model)
        if model is not None:
            for sig, slot in self._model_hooks(model):
                sig.connect(slot)
        self._stick_to_bottom = True
        self.scrollToBottom()

    def _model_hooks(self, model: QAbstractItemModel) -> list[tuple[Any, Any]]:
        return [
            (model.rowsAboutToBeInserted, self._remember_bottom),
            (model.rowsInserted, self._follow_bottom),
            (model.modelAboutToBeReset, self._remember_bottom),
            (model.modelReset, self._after_reset),
            (model.dataChanged, self._on_data_changed),
        ]

    # ---- model hooks ---------------------------------------------------------------------
    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _remember_bottom(self, *_args: Any) -> None:
        self._stick_to_bottom = self._at_bottom()

    def _follow_bottom(self, *_args: Any) -> None:
        if self._stick_to_bottom:
            self.scrollToBottom()

    def _after_reset(self) -> None:
        self._delegate.previews.invalidate()
        self.scrollToBottom()

    def _on_data_changed(self, top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> None:
        if not roles or Roles.SNAPSHOT in roles:
            for row in range(top.row(), bottom.row() + 1):
                mid = self.model().index(row, 0).data(Roles.ID)
                if mid:
                    self._delegate.previews.invalidate(mid)

    # ---- mouse -------------------------------------------------------------------------------
    def row_rect(self, index: QModelIndex) -> QRect:
        """The rectangle the row is painted in, which clicks are tested against.

        ``QListView`` paints an item at its visual rect cut to the viewport's width; the
        delegate's size hint makes the two equal, and the cut here keeps them equal even
        if an item were ever laid out wider than the viewport.
        """
        rect = self.visualRect(index)
        rect.setWidth(min(rect.width(), self.viewport().width()))
        return rect

    def _area_at(self, pos: QPoint) -> tuple[QModelIndex, str | None]:
        index = self.indexAt(pos)
        if not index.isValid():
            return index, None
        return index, self._delegate.hit_test(self.row_rect(index), pos, index)

    def _set_hover(self, hover: tuple[int, str | None] | None) -> None:
        if hover == self._delegate.hover:
            return
        old = self._delegate.hover
        self._delegate.hover = hover
        for h in (old, hover):
            if h is not None:
                self.update(self.model().index(h[0], 0))
        area = hover[1] if hover else None
        self.viewport().setCursor(
            Qt.CursorShape.PointingHandCursor if area else Qt.CursorShape.ArrowCursor
        )

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        press = self._press
        if press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            index = self.model().index(press[0], 0)
            if press[1] == AREA_SEEK:  # scrubbing: the knob follows the mouse
                fraction = self._delegate.seek_fraction(self.row_rect(index), pos, index)
                self.seekRequested.emit(index.data(Roles.ID) or "", fraction)
                event.accept()
                return
            if self._drag_started(press, pos):
                self._press = None
                self.drag_modifiers = event.modifiers()
                self.dragRequested.emit(index.data(Roles.ID) or "")
                event.accept()
                return
        index, area = self._area_at(pos)
        self._set_hover((index.row(), area) if index.isValid() else None)
        super().mouseMoveEvent(event)

    def _drag_started(self, press: tuple[int, str], pos: QPoint) -> bool:
        """A render is dragged out from its play button or the row body, not the seek bar
        (which scrubs) nor Load."""
        if self._press_pos is None or press[1] not in (AREA_PLAY, ""):
            return False
        index = self.model().index(press[0], 0)
        if index.data(Roles.RENDER_STATE) != RENDER_READY:
            return False
        moved = (pos - self._press_pos).manhattanLength()
        return moved >= QApplication.startDragDistance()

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index, area = self._area_at(event.position().toPoint())
        self._press_pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.LeftButton and area:
            # The row clicked (its seek bar, play button...) is the one Space and
            # Left/Right then act on; it stayed the old one (or none), so the keys played
            # another message or scrolled the list.
            self.setCurrentIndex(index)
            self._press = (index.row(), area)
            if area == AREA_SEEK:  # seeking answers on press, like any seek bar
                self._activate(index, area, event.position().toPoint())
            event.accept()
            return
        # A press on the row body may become a drag of its render.
        left = event.button() == Qt.MouseButton.LeftButton
        self._press = (index.row(), "") if left and index.isValid() else None
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        index, area = self._area_at(event.position().toPoint())
        press, self._press = self._press, None
        if event.button() == Qt.MouseButton.LeftButton and press and press[1] and area:
            if press == (index.row(), area) and area != AREA_SEEK:
                self._activate(index, area, event.position().toPoint())
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _activate(self, index: QModelIndex, area: str, pos: QPoint) -> None:
        mid = index.data(Roles.ID) or ""
        if area == AREA_LOAD:
            self.loadRequested.emit(dict(index.data(Roles.SNAPSHOT) or {}))
        elif area == AREA_PLAY:
            self.playRequested.emit(mid)
        elif area == AREA_SEEK:
            fraction = self._delegate.seek_fraction(self.row_rect(index), pos, index)
            self.seekRequested.emit(mid, fraction)
        elif area == AREA_RETRY:
            self.retryRequested.emit(mid)
        elif area == AREA_LOOP:
            self.loopRequested.emit(mid)
        elif area == AREA_LINK:
            url = self._delegate.link_at(self.row_rect(index), pos, index)
            if url:
                self.linkActivated.emit(url)
        elif area == AREA_QUOTE:
            self.scroll_to_message(index.data(Roles.REPLY_TO) or "")

    def scroll_to_message(self, message_id: str) -> bool:
        """Bring a message into view and make it the current row (a reply's quote)."""
        model = self.model()
        if model is None or not message_id:
            return False
        found = model.match(model.index(0, 0), Roles.ID, message_id, 1,
                            Qt.MatchFlag.MatchExactly)  # fmt: skip
        if not found:
            return False
        self._stick_to_bottom = False
        self.setCurrentIndex(found[0])
        self.scrollTo(found[0], QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def show_sent(self, message_id: str) -> None:
        """The musician's own message, just sent, comes into view even when they were
        reading back up the thread (it stayed out of sight below), and the list follows
        the bottom again from there."""
        model = self.model()
        if model is None or not message_id:
            return
        found = model.match(model.index(0, 0), Roles.ID, message_id, 1,
                            Qt.MatchFlag.MatchExactly)  # fmt: skip
        if not found:
            return
        if found[0].row() == model.rowCount() - 1:
            self._stick_to_bottom = True
            self.scrollToBottom()
        else:  # newer messages arrived meanwhile: show it, not past it
            self.scrollTo(found[0], QAbstractItemView.ScrollHint.EnsureVisible)

    def event(self, event: QEvent) -> bool:
        """Space is the window's play/stop shortcut, but with a row current here it belongs
        to that row: accepting the override makes Qt deliver the key to ``keyPressEvent``
        instead of the transport (focus decides, as the README promises)."""
        override = event.type() == QEvent.Type.ShortcutOverride
        if override and isinstance(event, QKeyEvent) and self._owns_key(event):
            event.accept()
            return True
        return super().event(event)

    def _owns_key(self, event: QKeyEvent) -> bool:
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        return plain and event.key() == Qt.Key.Key_Space and self.currentIndex().isValid()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        if index.isValid() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.loadRequested.emit(dict(index.data(Roles.SNAPSHOT) or {}))
            return
        if index.isValid() and event.key() == Qt.Key.Key_Space:
            if index.data(Roles.RENDER_STATE) == RENDER_READY:
                self.playRequested.emit(index.data(Roles.ID) or "")
            return
        if index.isValid() and event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            # A bar of the take's pattern, as its seek bar's ticks: 5 s jumped past the end
            # of most drum takes. A file without a pattern keeps 5 s.
            step = bar_seconds(index.data(Roles.SNAPSHOT)) or SEEK_STEP_SECONDS
            step = step if event.key() == Qt.Key.Key_Right else -step
            self.seekByRequested.emit(index.data(Roles.ID) or "", step)
            return
        super().keyPressEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            pos = event.pos()
            index, area = self._area_at(pos)
            tip = index.data(Roles.ERROR_TEXT) if area == AREA_RETRY else _TIPS.get(area or "")
            if area == AREA_LINK:
                tip = self._delegate.link_at(self.row_rect(index), pos, index)
            if not tip and index.isValid():
                tip = index.data(Roles.ERROR_TEXT)  # why it was not sent, in full
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    # ---- empty state -----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if model is not None and model.rowCount() > 0:
            super().paintEvent(event)
        else:
            self._paint_placeholder()
        if self._drop_hint:
            self._paint_drop_hint()
        elif self.hasFocus():
            painter = QPainter(self.viewport())
            paint_inner_ring(painter, self.viewport().rect())
            painter.end()

    def _paint_drop_hint(self) -> None:
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rect = self.viewport().rect().adjusted(3, 3, -4, -4)
        tint = QColor(theme.ACCENT)
        tint.setAlpha(40)
        painter.setBrush(tint)
        painter.setPen(QPen(QColor(theme.ACCENT), 3, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(rect, 8, 8)
        font = painter.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        painter.setFont(font)
        painter.setPen(QColor(theme.ACCENT_BRIGHT))
        painter.drawText(
            rect.adjusted(16, 0, -16, 0),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self._drop_caption,
        )
        painter.end()

    def _paint_placeholder(self) -> None:
        painter = QPainter(self.viewport())
        painter.fillRect(self.viewport().rect(), QColor(theme.BG_DEEP))
        if self._drop_hint:  # the drop caption takes the centre; two texts would overlap
            painter.end()
            return
        paint_placeholder(painter, self.viewport().rect(), self._placeholder, 24)
        painter.end()
