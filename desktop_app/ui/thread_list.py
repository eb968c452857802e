"""The sidebar list of conversation threads: pick one, create one (+), rename one.

A handful to a few hundred threads, so a ``QListWidget`` of plain items (no widget per
row) is enough; it mirrors ``ThreadsState`` and keeps the selection on the open thread
when the list is refreshed from the server.

In a narrow window the list folds to a rail (``set_folded``): a button that opens it again,
the + for a new thread and the number of unread messages, so nothing is out of reach and
news from other threads still shows. The window decides when (``ColumnsSplitter``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.message import Thread, parse_time
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui import theme
from desktop_app.ui.focus_ring import RingInside, paint_inner_ring
from desktop_app.ui.placeholder import paint_placeholder
from desktop_app.ui.private_thread_dialog import PrivateThreadDialog, lock_icon
from desktop_app.ui.thread_members import private_members

AskText = Callable[[QWidget, str, str, str], "str | None"]
"""(parent, title, label, initial text) -> the text, or None when cancelled."""

ID_ROLE = Qt.ItemDataRole.UserRole + 1
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 2  # int: messages from others not read yet
MUTED_ROLE = Qt.ItemDataRole.UserRole + 3  # bool: no notifications from this thread
RAIL_WIDTH = 32  # the folded list
WIDGET_MAX = 16777215  # QWIDGETSIZE_MAX


def thread_tooltip(thread: Thread, unread: int) -> str:
    """Who sees the thread, then its last activity and unread count. A public thread's
    ``users`` are only whoever created it (the shared token's "root" on the embedded
    server), not who is in it: everyone on the server is, so that is what it says."""
    lines = [thread.name or "Untitled thread"]
    if thread.private:
        lines.append("Private: only its members see it")
        members = private_members(thread.users, "", most=len(thread.users))  # every name
        lines.append(members[:1].upper() + members[1:])
    else:
        lines.append("Public: everyone on this server sees it")
    if thread.updated_at:
        when = parse_time(thread.updated_at).astimezone()
        lines.append(f"Last activity {when:%d %b %Y, %H:%M}")
    if unread:
        lines.append(f"{unread} unread")
    return "\n".join(lines)


class _UnreadBadge(QStyledItemDelegate):
    """The item as styled, and its unread count in an accent pill at the right (or a dim
    "muted" when it is muted and has none)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        count = int(index.data(UNREAD_ROLE) or 0)
        muted = bool(index.data(MUTED_ROLE))
        option = QStyleOptionViewItem(option)
        self.initStyleOption(option, index)
        view = option.widget
        if isinstance(view, QAbstractScrollArea):  # an item is as wide as its name: the
            visible = view.viewport().width() - option.rect.left()  # part in view counts
            option.rect.setWidth(max(0, min(option.rect.width(), visible)))
        if count:
            option.font.setBold(True)
        font = QFont(option.font)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        font.setBold(bool(count))
        text = str(count) if count else "muted"
        width = QFontMetricsF(font).horizontalAdvance(text) + 12
        r = QRectF(option.rect).adjusted(0, 0, -8, 0)
        pill = QRectF(r.right() - width, r.center().y() - 9, width, 18)
        style = view.style() if view is not None else QApplication.style()
        # The name is shortened with "…" before the pill, never painted under it; without
        # a pill too, since the style sheet's padding makes the style cut it mid-letter
        # instead ("Rehearsal Frida"). Its room starts where the style puts the text —
        # after a private thread's lock, which the room left out ("Anna+Ben secre" ran
        # under the pill at 1280 px) — and ends before the pill or the text rect's end.
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
        end = float(text_rect.right()) - 4
        if count or muted:
            end = min(end, pill.left() - 6)
        room = end - text_rect.left()
        option.text = QFontMetrics(option.font).elidedText(
            option.text, Qt.TextElideMode.ElideRight, max(0, int(room))
        )
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, view)
        if not count and not muted:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(font)
        if count:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.TEXT_FAINT if muted else theme.ACCENT))
            painter.drawRoundedRect(pill, 9, 9)
            painter.setPen(QColor("#1a1208"))
        else:
            painter.setPen(QColor(theme.TEXT_FAINT))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


def ask_text_dialog(parent: QWidget, title: str, label: str, text: str) -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


class _ThreadListView(RingInside, QListWidget):
    """A list that says what to do when it is empty, and whose right button only opens
    the context menu: a press with it used to make the row current, which opened that
    thread under the menu meant for it."""

    placeholder = "No threads yet.\nPress + to start one."

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()  # the context menu event still follows (it is its own event)
            return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.hasFocus():
            ring = QPainter(self.viewport())
            paint_inner_ring(ring, self.viewport().rect())
            ring.end()
        if self.count() == 0:
            painter = QPainter(self.viewport())
            paint_placeholder(painter, self.viewport().rect(), self.placeholder, 12)
            painter.end()


class ThreadListWidget(QWidget):
    """``ThreadListWidget(threads_state, parent=None, *, ask_text=ask_text_dialog)``.

    Selecting a thread opens it (``threads_state.open_thread``); ``+`` asks for a name and
    creates one, which is opened once the server confirms it; double-click or the context
    menu renames. ``ask_text`` is the name prompt (a ``QInputDialog``; the tests answer the
    real one). The context menu's "Make available offline" emits
    ``offlineRequested(thread_id)`` (connected to the playback controller by the app).
    """

    offlineRequested = Signal(str)
    foldRequested = Signal()  # the « / » button: fold or open the list (the window decides)

    def __init__(
        self,
        threads_state: ThreadsState,
        parent: QWidget | None = None,
        *,
        ask_text: AskText = ask_text_dialog,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("threadList")
        self._state = threads_state
        self._ask_text = ask_text
        self._syncing = False

        title = QLabel("Threads")
        title.setObjectName("threadListTitle")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.new_button = QToolButton()
        self.new_button.setObjectName("newThreadButton")
        self.new_button.setText("+")
        self.new_button.setToolTip("New thread…")
        self.new_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.new_button.clicked.connect(self.ask_create)
        self.fold_button = QToolButton()
        self.fold_button.setObjectName("foldThreadsButton")
        self.fold_button.setText("«")
        self.fold_button.setToolTip("Fold the thread list")
        self.fold_button.setAutoRaise(True)
        self.fold_button.clicked.connect(self.foldRequested)
        self.header = QWidget()
        header = QHBoxLayout(self.header)
        header.setContentsMargins(14, 10, 4, 8)
        header.setSpacing(10)  # the title never touches the + button
        header.addWidget(title, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.fold_button)
        header.addLayout(buttons)

        # the folded list: open it, start a thread, see that others wrote
        self.rail = QWidget()
        self.rail.setObjectName("threadRail")
        self.rail.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.open_button = QToolButton()
        self.open_button.setObjectName("openThreadsButton")
        self.open_button.setText("»")
        self.open_button.setToolTip("Show the thread list")
        self.open_button.setAutoRaise(True)
        self.open_button.clicked.connect(self.foldRequested)
        self.rail_new_button = QToolButton()
        self.rail_new_button.setObjectName("railNewThreadButton")
        self.rail_new_button.setText("+")
        self.rail_new_button.setToolTip("New thread…")
        self.rail_new_button.clicked.connect(self.ask_create)
        self.rail_unread = QLabel()
        self.rail_unread.setObjectName("railUnread")
        self.rail_unread.setAlignment(Qt.AlignmentFlag.AlignCenter)
        rail = QVBoxLayout(self.rail)
        rail.setContentsMargins(2, 8, 2, 8)
        rail.setSpacing(8)
        for widget in (self.open_button, self.rail_new_button, self.rail_unread):
            rail.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        rail.addStretch(1)
        self.rail.hide()
        self.folded = False

        self.list = _ThreadListView()
        self.list.setObjectName("threadListView")
        self.list.setUniformItemSizes(True)
        # Names end in "…" to fit (the delegate): a list scrolling sideways to show the
        # rest of one long name hid the pills and cut every other name at the left.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setItemDelegate(_UnreadBadge(self.list))
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemDoubleClicked.connect(lambda item: self.ask_rename(item.data(ID_ROLE)))
        self.list.currentItemChanged.connect(self._on_current_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.rail, 1)
        self.setStyleSheet(
            f"""
            QWidget#threadList, QWidget#threadRail {{ background: {theme.BG}; }}
            QLabel#threadListTitle {{ color: {theme.TEXT}; }}
            QToolButton#newThreadButton, QToolButton#railNewThreadButton {{
                color: {theme.ACCENT_BRIGHT}; background: transparent;
                border: 1px solid {theme.ACCENT_DIM}; border-radius: 11px;
                min-width: 20px; min-height: 20px; font-weight: 600; }}
            QToolButton#newThreadButton:hover, QToolButton#railNewThreadButton:hover {{
                background: {theme.ACCENT}; color: #1a1208; }}
            QToolButton#foldThreadsButton, QToolButton#openThreadsButton {{
                color: {theme.TEXT_DIM}; background: transparent; border: none;
                font-weight: 600; min-width: 18px; min-height: 20px; padding: 0 2px; }}
            QToolButton#foldThreadsButton:hover, QToolButton#openThreadsButton:hover {{
                color: {theme.TEXT}; background: {theme.BG_HOVER}; border-radius: 4px; }}
            QLabel#railUnread {{ background: {theme.ACCENT}; color: #1a1208; font-weight: 600;
                border-radius: 9px; min-width: 18px; min-height: 18px; padding: 0 3px; }}
            QListWidget#threadListView {{ background: {theme.BG}; border: none; outline: 0;
                padding: 0 6px; }}
            QListWidget#threadListView::item {{ color: {theme.TEXT_DIM}; padding: 7px 8px;
                border-radius: {theme.RADIUS}px; margin: 1px 0; }}
            QListWidget#threadListView::item:hover {{ background: {theme.BG_HOVER};
                color: {theme.TEXT}; }}
            QListWidget#threadListView::item:selected {{ background: {theme.BG_RAISED};
                color: {theme.TEXT}; border-left: 3px solid {theme.ACCENT}; }}
            """
        )

        threads_state.threadsChanged.connect(self._rebuild)
        threads_state.unreadChanged.connect(self._rebuild)
        threads_state.currentThreadChanged.connect(self._select)
        threads_state.threadCreated.connect(threads_state.open_thread)
        self._rebuild()

    # ---- folding -------------------------------------------------------------------------
    def open_minimum_width(self) -> int:
        """The narrowest the list is when open (folded, it is ``RAIL_WIDTH``)."""
        return max(self.header.minimumSizeHint().width(), self.list.minimumSizeHint().width())

    def set_folded(self, folded: bool) -> None:
        if folded == self.folded:
            return
        focus = QApplication.focusWidget()
        had_focus = focus is not None and self.isAncestorOf(focus)
        self.folded = folded
        self.header.setVisible(not folded)
        self.list.setVisible(not folded)
        self.rail.setVisible(folded)
        if folded:
            self.setFixedWidth(RAIL_WIDTH)
        else:
            self.setMinimumWidth(0)
            self.setMaximumWidth(WIDGET_MAX)
        if had_focus:  # the keyboard stays with the threads, folded or not
            (self.open_button if folded else self.list).setFocus()

    def set_fold_shortcut(self, text: str) -> None:
        """Name the window's shortcut for folding in the buttons' tooltips."""
        self.fold_button.setToolTip(f"Fold the thread list ({text})")
        self.open_button.setToolTip(f"Show the thread list ({text})")

    def _show_unread_total(self) -> None:
        total = sum(self._state.unread_count(t.id) for t in self._state.threads)
        self.rail_unread.setText(str(total) if total < 100 else "99+")
        self.rail_unread.setToolTip(f"{total} unread in your threads")
        self.rail_unread.setVisible(total > 0)

    # ---- mirroring the state -----------------------------------------------------------
    def thread_ids(self) -> list[str]:
        return [self.list.item(i).data(ID_ROLE) for i in range(self.list.count())]

    def _rebuild(self) -> None:
        self._syncing = True
        try:
            self.list.clear()
            for thread in self._state.threads:
                item = QListWidgetItem(thread.name or "Untitled thread")
                item.setData(ID_ROLE, thread.id)
                unread = self._state.unread_count(thread.id)
                item.setData(UNREAD_ROLE, unread)
                item.setData(MUTED_ROLE, self._state.is_muted(thread.id))
                item.setToolTip(thread_tooltip(thread, unread))
                if thread.private:
                    item.setIcon(lock_icon())
                self.list.addItem(item)
            self._select(self._state.current_thread_id)
            self._show_unread_total()
        finally:
            self._syncing = False

    def _select(self, thread_id: str) -> None:
        was, self._syncing = self._syncing, True
        try:
            for i in range(self.list.count()):
                if self.list.item(i).data(ID_ROLE) == thread_id:
                    self.list.setCurrentRow(i)
                    return
            self.list.setCurrentRow(-1)
        finally:
            self._syncing = was

    def _on_current_changed(
        self, current: QListWidgetItem | None, _prev: QListWidgetItem | None
    ) -> None:
        if not self._syncing and current is not None:
            self._state.open_thread(current.data(ID_ROLE))

    # ---- actions -------------------------------------------------------------------------
    def ask_create(self) -> None:
        name = self._ask_text(self, "New thread", "Name of the new thread:", "")
        if name is not None and name.strip():
            self._state.create_thread(name.strip())

    def ask_create_private(self) -> None:
        """Asks the server for its users first: the members are chosen from them."""
        self._state.load_users(self._show_private_dialog)

    def _show_private_dialog(self, users: list[str]) -> None:
        dialog = PrivateThreadDialog(users, self._state.user_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self._state.create_private_thread(dialog.name.text(), dialog.chosen())
        )
        dialog.open()

    def ask_rename(self, thread_id: str) -> None:
        thread = self._state.thread_by_id(thread_id)
        if thread is None:
            return
        name = self._ask_text(self, "Rename thread", "New name:", thread.name)
        if name is not None and name.strip() and name.strip() != thread.name:
            self._state.rename_thread(thread_id, name.strip())

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        menu = QMenu(self)
        if item is not None:
            thread_id = item.data(ID_ROLE)
            menu.addAction("Rename…", lambda: self.ask_rename(thread_id))
            offline = menu.addAction(
                "Make available offline", lambda: self.offlineRequested.emit(thread_id)
            )
            offline.setToolTip("Download every recording of this thread to play without a network")
            muted = self._state.is_muted(thread_id)
            menu.addAction(
                "Unmute notifications" if muted else "Mute notifications",
                lambda: self._state.set_muted(thread_id, not muted),
            )
            menu.addSeparator()
        menu.addAction("New thread…", self.ask_create)
        menu.addAction("New private thread…", self.ask_create_private)
        menu.exec(self.list.viewport().mapToGlobal(pos))
