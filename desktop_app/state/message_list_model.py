"""The open thread's messages as a list model the message view paints from.

One row per message, oldest first. Everything the delegate draws is a named role, including
the client-only send state (pending / uploading with progress / failed with an error), so
the send flow changes a row with ``upsert_message`` and only that row's changed roles are
announced (``dataChanged`` with a role list), which keeps a 10,000-message thread smooth.
Derived texts (time, summary) are computed once per message, not per paint.

The player's state of a row is roles here too (playing, position, loaded, download
progress, not downloaded, error, loop, locally computed peaks): the playback controller
writes it with ``set_row_playback`` and a 30 Hz position tick becomes one ``dataChanged``
on the playing row naming only the roles whose values moved. The delegate paints from
these roles alone. The roles themselves, how a row answers each and which a change
announces, are in ``message_roles.py``; this module keeps the rows in order.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop_app.domain.message import Message, Render
from desktop_app.state.message_roles import (
    PLAYBACK_ROLES,
    ROW_VALUES,
    Roles,
    changed_playback_roles,
    changed_roles,
    playback_values,
    quote_body,
    role_name,
)
from desktop_app.state.message_row import RENDER_NONE, RENDER_UPLOADING, MessageRow
from desktop_app.state.row_playback import NO_PLAYBACK, RowPlayback


def _sort_key(row: MessageRow) -> tuple[str, str, str]:
    return row.sort_key


class MessageListModel(QAbstractListModel):
    """``MessageListModel(own_user_id="", parent=None)``; rows sorted by timestamp.

    ``peaksWanted(message_id)``: a view asked for the waveform of a render without peaks.
    """

    peaksWanted = Signal(str)

    def __init__(self, own_user_id: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._own = own_user_id
        self._rows: list[MessageRow] = []
        self._index: dict[str, int] = {}
        self._latest_own = ""  # the one row that may show "Uploading audio… NN%"
        self._first_unread = ""  # the row with the "New" divider above it

    # ---- Qt model API ----------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:
        names = {int(role): QByteArray(role_name(role)) for role in Roles}
        names[int(Qt.ItemDataRole.DisplayRole)] = QByteArray(b"display")
        return names

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        value = None
        if index.isValid() and 0 <= index.row() < len(self._rows):
            row = self._rows[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                value = f"{row.message.user_id}, {row.time}: {row.summary}"
            elif role == Qt.ItemDataRole.ToolTipRole:
                value = row.upload_error or None
            else:
                value = self._role_value(row, role)
        return value

    def _role_value(self, row: MessageRow, role: int) -> Any:
        m = row.message
        value_of = ROW_VALUES.get(role)
        if value_of is not None:
            value = value_of(row)
            if role == Roles.PEAKS and value is None and m.renders:
                # A view paints a render that came without peaks: whoever can compute them
                # (the playback controller, from the cached file) is asked, as Qt's models
                # ask for more rows in fetchMore — only rows on screen cost a decode.
                self.peaksWanted.emit(m.id)
            return value
        match role:
            case Roles.RENDER_STATE:
                state = row.render_state
                if state == RENDER_UPLOADING and m.id != self._latest_own:
                    # The seed's rule: only the user's latest message shows the upload;
                    # sending another hides it while the upload carries on.
                    return RENDER_NONE
                return state
            case Roles.IS_OWN:
                return bool(self._own) and m.user_id == self._own
            case Roles.QUOTE_TEXT:
                return self.quote_of(m.reply_to) if m.reply_to else ""
            case Roles.NEW_DIVIDER:
                return bool(self._first_unread) and m.id == self._first_unread
        return None

    # ---- reading -----------------------------------------------------------------------
    @property
    def own_user_id(self) -> str:
        return self._own

    def set_own_user_id(self, own: str) -> None:
        """Who "you" is, when the server says so mid-session (a start offline knew only
        the name in Settings): the rows of the old and the new name change their marks
        at once, not at the next start."""
        if own == self._own:
            return
        old, self._own = self._own, own
        roles = [int(Roles.IS_OWN)]
        for row_no, row in enumerate(self._rows):
            if row.message.user_id in (old, own):
                idx = self.index(row_no)
                self.dataChanged.emit(idx, idx, roles)
        self._update_latest_own()

    def row_of(self, message_id: str) -> int:
        """Row of a message, -1 when absent."""
        return self._index.get(message_id, -1)

    def message_at(self, row: int) -> Message:
        return self._rows[row].message

    def message(self, message_id: str) -> Message | None:
        row = self._index.get(message_id)
        return None if row is None else self._rows[row].message

    def quote_of(self, message_id: str) -> str:
        """How a reply quotes a message: its author, then its words or, for a pattern
        without words, "pattern · 122 BPM"."""
        row = self.row_state(message_id)
        if row is None:
            return "a message no longer here"
        return f"{row.message.user_id}: {quote_body(row.message, row.meta)}"

    def row_state(self, message_id: str) -> MessageRow | None:
        row = self._index.get(message_id)
        return None if row is None else self._rows[row]

    def ids(self) -> list[str]:
        return [r.message.id for r in self._rows]

    def authors(self) -> list[str]:
        """Who posted in the thread, each once, in the order of their first message: the
        thread's participants as its messages show them (the server's ``users`` of a
        public thread is only whoever created it)."""
        return list(dict.fromkeys(r.message.user_id for r in self._rows if r.message.user_id))

    def local_ids(self) -> set[str]:
        """Messages the send flow still owns (pending, uploading, failed): a server list
        that lacks them must not drop them."""
        return {
            r.message.id
            for r in self._rows
            if r.pending or r.upload_progress is not None or r.upload_error
        }

    # ---- writing -----------------------------------------------------------------------
    def set_messages(self, messages: list[Message]) -> None:
        """Replace everything (opening a thread). Client-only state of messages that stay is
        kept, so an upload in progress survives a reload from the server."""
        old = {r.message.id: r for r in self._rows}
        rows = []
        for m in messages:
            prev = old.get(m.id)
            rows.append(MessageRow.build(m) if prev is None else prev.with_message(m))
        rows.sort(key=lambda r: r.sort_key)
        self.beginResetModel()
        self._rows = rows
        self._reindex(0)
        self.endResetModel()
        self._update_latest_own()

    def clear(self) -> None:
        self._first_unread = ""
        self.set_messages([])

    @property
    def first_unread(self) -> str:
        return self._first_unread

    def set_first_unread(self, message_id: str) -> None:
        """Put the "New" divider above this message ("": none). Its row changes height,
        so both rows are announced."""
        old, self._first_unread = self._first_unread, message_id
        for mid in (old, message_id):
            row = self._index.get(mid) if mid else None
            if row is not None:
                index = self.index(row)
                self.dataChanged.emit(index, index, [int(Roles.NEW_DIVIDER)])

    def upsert_message(
        self,
        message: Message,
        *,
        pending: bool = False,
        upload_progress: float | None = None,
        upload_error: str | None = None,
        take: Render | None = None,
    ) -> int:
        """Insert in timestamp order, or update in place announcing only the changed roles.
        Returns the row."""
        row_no = self._index.get(message.id)
        new = MessageRow.build(
            message,
            pending=pending,
            upload_progress=upload_progress,
            upload_error=upload_error,
            take=take,
        )
        if row_no is None:
            return self._insert(new)
        old = self._rows[row_no]
        new.playback = old.playback
        if new.sort_key != old.sort_key:
            # A changed timestamp moves the row: remove and re-insert keeps the order right.
            self.remove_message(message.id)
            return self._insert(new)
        changed = changed_roles(old, new)
        self._rows[row_no] = new
        if changed:
            idx = self.index(row_no)
            self.dataChanged.emit(idx, idx, changed)
        return row_no

    # ---- the player's state of rows (written by the playback controller) ----------------
    def playback(self, message_id: str) -> RowPlayback:
        row = self._index.get(message_id)
        return NO_PLAYBACK if row is None else self._rows[row].playback

    def set_row_playback(self, message_id: str, state: RowPlayback) -> bool:
        """One row's player state; announces only the roles whose values changed.
        Returns whether anything changed."""
        row_no = self._index.get(message_id)
        if row_no is None:
            return False
        row = self._rows[row_no]
        if row.playback == state:
            return False
        before = playback_values(row)
        row.playback = state
        roles = changed_playback_roles(row, before)
        if roles:
            idx = self.index(row_no)
            self.dataChanged.emit(idx, idx, roles)
        return True

    def refresh_playback(
        self, state_of: Callable[[Message, RowPlayback], RowPlayback], first: int = 0,
        last: int = -1,
    ) -> None:  # fmt: skip
        """Recompute the player state of rows ``first..last`` (all by default), e.g. when
        the server goes away; the changed rows are announced in one ``dataChanged``."""
        last = len(self._rows) - 1 if last < 0 else min(last, len(self._rows) - 1)
        changed: list[int] = []
        for row_no in range(max(0, first), last + 1):
            row = self._rows[row_no]
            state = state_of(row.message, row.playback)
            if state is not row.playback and state != row.playback:
                row.playback = state
                changed.append(row_no)
        if changed:
            first_index, last_index = self.index(changed[0]), self.index(changed[-1])
            self.dataChanged.emit(first_index, last_index, PLAYBACK_ROLES)

    def remove_message(self, message_id: str) -> bool:
        row_no = self._index.get(message_id)
        if row_no is None:
            return False
        self.beginRemoveRows(QModelIndex(), row_no, row_no)
        del self._rows[row_no]
        del self._index[message_id]
        self._reindex(row_no)
        self.endRemoveRows()
        self._update_latest_own()
        return True

    # ---- internals -------------------------------------------------------------------
    def _insert(self, new: MessageRow) -> int:
        at = bisect.bisect_right(self._rows, new.sort_key, key=_sort_key)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, new)
        self._reindex(at)
        self.endInsertRows()
        self._update_latest_own()
        return at

    def _reindex(self, start: int) -> None:
        if start == 0:
            self._index = {}
        for i in range(start, len(self._rows)):
            self._index[self._rows[i].message.id] = i

    def _update_latest_own(self) -> None:
        latest = ""
        if self._own:
            for row in reversed(self._rows):
                if row.message.user_id == self._own:
                    latest = row.message.id
                    break
        if latest == self._latest_own:
            return
        previous, self._latest_own = self._latest_own, latest
        roles = [int(Roles.RENDER_STATE)]
        for mid in (previous, latest):
            row_no = self._index.get(mid)
            if row_no is not None:
                idx = self.index(row_no)
                self.dataChanged.emit(idx, idx, roles)
