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
these roles alone.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from enum import IntEnum
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
from desktop_app.state.message_row import (
    RENDER_FAILED,
    RENDER_NONE,
    RENDER_PENDING,
    RENDER_READY,
    RENDER_UPLOADING,
    MessageRow,
    summary_of,
    summary_text,
    time_text,
)
from desktop_app.state.row_playback import NO_PLAYBACK, RowPlayback

__all__ = [
    "RENDER_FAILED", "RENDER_NONE", "RENDER_PENDING", "RENDER_READY", "RENDER_UPLOADING",
    "MessageListModel", "MessageRow", "Roles", "summary_of", "summary_text", "time_text",
]  # fmt: skip


class Roles(IntEnum):
    MESSAGE = Qt.ItemDataRole.UserRole + 1  # the Message
    ID = Qt.ItemDataRole.UserRole + 2
    USER = Qt.ItemDataRole.UserRole + 3
    TIME_TEXT = Qt.ItemDataRole.UserRole + 4
    SNAPSHOT = Qt.ItemDataRole.UserRole + 5  # the pattern snapshot dict
    METADATA = Qt.ItemDataRole.UserRole + 6  # summary dict: bpm, length, tracks, ...
    SUMMARY_TEXT = Qt.ItemDataRole.UserRole + 7  # "122 BPM · 16 steps · 8 tracks"
    RENDERS = Qt.ItemDataRole.UserRole + 8  # tuple[Render, ...]
    RENDER_STATE = Qt.ItemDataRole.UserRole + 9  # one of RENDER_*
    UPLOAD_PROGRESS = Qt.ItemDataRole.UserRole + 10  # float 0..1 or None
    ERROR_TEXT = Qt.ItemDataRole.UserRole + 11  # str or ""
    IS_OWN = Qt.ItemDataRole.UserRole + 12
    PEAKS = Qt.ItemDataRole.UserRole + 13  # the render's, else computed locally, or None
    DURATION = Qt.ItemDataRole.UserRole + 14  # seconds: the player's once loaded, else the render's
    PLAYING = Qt.ItemDataRole.UserRole + 15  # bool: this row's render is playing
    POSITION = Qt.ItemDataRole.UserRole + 16  # float 0..1 playback position
    LOADED = Qt.ItemDataRole.UserRole + 17  # bool: this row's render is in the player
    POSITION_MS = Qt.ItemDataRole.UserRole + 18  # int: playback position in ms
    DOWNLOAD = Qt.ItemDataRole.UserRole + 19  # float 0..1 while fetching, or None
    NOT_DOWNLOADED = Qt.ItemDataRole.UserRole + 20  # bool: offline and not on this machine
    PLAYBACK_ERROR = Qt.ItemDataRole.UserRole + 21  # str: why playing failed, or ""
    LOOP = Qt.ItemDataRole.UserRole + 22  # bool: the row's Loop toggle


ROLE_NAMES: dict[int, bytes] = {
    Roles.MESSAGE: b"message",
    Roles.ID: b"messageId",
    Roles.USER: b"user",
    Roles.TIME_TEXT: b"timeText",
    Roles.SNAPSHOT: b"snapshot",
    Roles.METADATA: b"metadata",
    Roles.SUMMARY_TEXT: b"summaryText",
    Roles.RENDERS: b"renders",
    Roles.RENDER_STATE: b"renderState",
    Roles.UPLOAD_PROGRESS: b"uploadProgress",
    Roles.ERROR_TEXT: b"errorText",
    Roles.IS_OWN: b"isOwn",
    Roles.PEAKS: b"peaks",
    Roles.DURATION: b"duration",
    Roles.PLAYING: b"playing",
    Roles.POSITION: b"position",
    Roles.LOADED: b"loaded",
    Roles.POSITION_MS: b"positionMs",
    Roles.DOWNLOAD: b"download",
    Roles.NOT_DOWNLOADED: b"notDownloaded",
    Roles.PLAYBACK_ERROR: b"playbackError",
    Roles.LOOP: b"loop",
}


def _duration_s(row: MessageRow) -> float | None:
    return row.playback.duration_ms / 1000 if row.playback.duration_ms else row.duration


# The playback roles and how each is read from a row; a playback update announces the
# roles whose values differ, so a position tick names POSITION and POSITION_MS only.
_PLAYBACK_VALUES: tuple[tuple[int, Callable[[MessageRow], Any]], ...] = (
    (int(Roles.PLAYING), lambda r: r.playback.playing),
    (int(Roles.POSITION), lambda r: r.position),
    (int(Roles.LOADED), lambda r: r.playback.loaded),
    (int(Roles.POSITION_MS), lambda r: r.playback.position_ms),
    (int(Roles.DOWNLOAD), lambda r: r.playback.download),
    (int(Roles.NOT_DOWNLOADED), lambda r: r.playback.not_downloaded),
    (int(Roles.PLAYBACK_ERROR), lambda r: r.playback.error),
    (int(Roles.LOOP), lambda r: r.playback.loop),
    (int(Roles.PEAKS), lambda r: r.peaks or r.playback.peaks),
    (int(Roles.DURATION), _duration_s),
)
_PLAYBACK_OF = dict(_PLAYBACK_VALUES)


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

    # ---- Qt model API ----------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:
        names = {int(k): QByteArray(v) for k, v in ROLE_NAMES.items()}
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
        match role:
            case Roles.MESSAGE:
                return m
            case Roles.ID:
                return m.id
            case Roles.USER:
                return m.user_id
            case Roles.TIME_TEXT:
                return row.time_text
            case Roles.SNAPSHOT:
                return m.snapshot
            case Roles.METADATA:
                return row.meta
            case Roles.SUMMARY_TEXT:
                return row.summary
            case Roles.RENDERS:
                return m.renders
            case Roles.RENDER_STATE:
                state = row.render_state
                if state == RENDER_UPLOADING and m.id != self._latest_own:
                    # The seed's rule: only the user's latest message shows the upload;
                    # sending another hides it while the upload carries on.
                    return RENDER_NONE
                return state
            case Roles.UPLOAD_PROGRESS:
                return row.upload_progress
            case Roles.ERROR_TEXT:
                return row.upload_error or ""
            case Roles.IS_OWN:
                return bool(self._own) and m.user_id == self._own
        value_of = _PLAYBACK_OF.get(role)
        value = value_of(row) if value_of is not None else None
        if role == Roles.PEAKS and value is None and m.renders:
            # A view paints a render that came without peaks: whoever can compute them
            # (the playback controller, from the cached file) is asked, as Qt's models
            # ask for more rows in fetchMore — only rows on screen cost a decode.
            self.peaksWanted.emit(m.id)
        return value

    # ---- reading -----------------------------------------------------------------------
    @property
    def own_user_id(self) -> str:
        return self._own

    def row_of(self, message_id: str) -> int:
        """Row of a message, -1 when absent."""
        return self._index.get(message_id, -1)

    def message_at(self, row: int) -> Message:
        return self._rows[row].message

    def message(self, message_id: str) -> Message | None:
        row = self._index.get(message_id)
        return None if row is None else self._rows[row].message

    def row_state(self, message_id: str) -> MessageRow | None:
        row = self._index.get(message_id)
        return None if row is None else self._rows[row]

    def ids(self) -> list[str]:
        return [r.message.id for r in self._rows]

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
            if prev is None:
                rows.append(MessageRow.build(m))
            else:
                rows.append(
                    MessageRow.build(
                        m,
                        pending=prev.pending,
                        upload_progress=prev.upload_progress,
                        upload_error=prev.upload_error,
                        take=prev.take,
                        playback=prev.playback,
                    )
                )
        rows.sort(key=lambda r: r.sort_key)
        self.beginResetModel()
        self._rows = rows
        self._reindex(0)
        self.endResetModel()
        self._update_latest_own()

    def clear(self) -> None:
        self.set_messages([])

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
            at = bisect.bisect_right(self._rows, new.sort_key, key=_sort_key)
            self.beginInsertRows(QModelIndex(), at, at)
            self._rows.insert(at, new)
            self._reindex(at)
            self.endInsertRows()
            self._update_latest_own()
            return at
        old = self._rows[row_no]
        new.playback = old.playback
        if new.sort_key != old.sort_key:
            # A changed timestamp moves the row: remove and re-insert keeps the order right.
            self.remove_message(message.id)
            row = self.upsert_message(
                message,
                pending=pending,
                upload_progress=upload_progress,
                upload_error=upload_error,
                take=take,
            )
            self.set_row_playback(message.id, new.playback)
            return row
        changed = self._changed_roles(old, new)
        self._rows[row_no] = new
        if changed:
            idx = self.index(row_no)
            self.dataChanged.emit(idx, idx, changed)
        return row_no

    def set_upload_state(
        self,
        message_id: str,
        *,
        pending: bool = False,
        upload_progress: float | None = None,
        upload_error: str | None = None,
    ) -> None:
        """Change only the client-only send state of an existing row (progress ticks)."""
        row = self.row_state(message_id)
        if row is not None:
            self.upsert_message(
                row.message,
                pending=pending,
                upload_progress=upload_progress,
                upload_error=upload_error,
                take=row.take,
            )

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
        before = [value_of(row) for _role, value_of in _PLAYBACK_VALUES]
        row.playback = state
        roles = [
            role
            for (role, value_of), old in zip(_PLAYBACK_VALUES, before, strict=True)
            if value_of(row) != old
        ]
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
            roles = [role for role, _value_of in _PLAYBACK_VALUES]
            self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]), roles)

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

    def _changed_roles(self, old: MessageRow, new: MessageRow) -> list[int]:
        roles: list[int] = []
        for value_of, changed_roles in _ROLE_SOURCES:
            if value_of(old) != value_of(new):
                roles += changed_roles
        if roles:
            roles.append(int(Qt.ItemDataRole.DisplayRole))
        return roles


# What each role is computed from: a row update announces only the roles whose source
# changed, so views repaint exactly what moved (an upload tick is one role, not a row).
_ROLE_SOURCES: tuple[tuple[Callable[[MessageRow], Any], list[int]], ...] = (
    (lambda r: r.message, [int(Roles.MESSAGE)]),
    (lambda r: r.message.user_id, [int(Roles.USER), int(Roles.IS_OWN)]),
    (lambda r: r.time_text, [int(Roles.TIME_TEXT)]),
    (lambda r: r.message.snapshot, [int(Roles.SNAPSHOT)]),
    (lambda r: r.meta, [int(Roles.METADATA)]),
    (lambda r: r.summary, [int(Roles.SUMMARY_TEXT)]),
    (lambda r: r.message.renders, [int(Roles.RENDERS)]),
    (_PLAYBACK_OF[int(Roles.PEAKS)], [int(Roles.PEAKS)]),
    (_duration_s, [int(Roles.DURATION), int(Roles.POSITION)]),
    (lambda r: r.render_state, [int(Roles.RENDER_STATE)]),
    (lambda r: r.upload_progress, [int(Roles.UPLOAD_PROGRESS)]),
    (lambda r: r.upload_error or "", [int(Roles.ERROR_TEXT), int(Qt.ItemDataRole.ToolTipRole)]),
)
