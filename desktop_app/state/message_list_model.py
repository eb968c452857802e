"""The open thread's messages as a list model the message view paints from.

One row per message, oldest first. Everything the delegate draws is a named role, including
the client-only send state (pending / uploading with progress / failed with an error), so
the send flow changes a row with ``upsert_message`` and only that row's changed roles are
announced (``dataChanged`` with a role list), which keeps a 10,000-message thread smooth.
Derived texts (time, summary) are computed once per message, not per paint.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QByteArray, QModelIndex, QObject, Qt

from desktop_app.domain.message import Message, Render, parse_time

RENDER_NONE = "none"
RENDER_PENDING = "pending"
RENDER_UPLOADING = "uploading"
RENDER_FAILED = "failed"
RENDER_READY = "ready"


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
    PEAKS = Qt.ItemDataRole.UserRole + 13  # tuple[float, ...] or None
    DURATION = Qt.ItemDataRole.UserRole + 14  # seconds of the first render, or None
    PLAYING = Qt.ItemDataRole.UserRole + 15  # bool: this row's render is playing
    POSITION = Qt.ItemDataRole.UserRole + 16  # float 0..1 playback position


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
}


def summary_of(message: Message) -> dict[str, Any]:
    """``snapshot_metadata`` when the sender supplied it, else derived from the snapshot."""
    meta = dict(message.snapshot_metadata or {})
    snap = message.snapshot or {}
    tracks = snap.get("tracks")
    meta.setdefault("bpm", snap.get("bpm"))
    meta.setdefault("length", snap.get("length"))
    meta.setdefault("swing", snap.get("swing"))
    if "tracks" not in meta and isinstance(tracks, list):
        meta["tracks"] = len(tracks)
    if "filename" not in meta and isinstance(snap.get("filename"), str):
        meta["filename"] = snap["filename"]
    return meta


def _duration_text(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d} min"


def summary_text(meta: dict[str, Any]) -> str:
    """One line under the sender's name: a dropped file's name (and length), else the
    pattern's tempo, length and tracks; "Pattern" when a sender gave nothing to show."""
    parts = []
    filename = meta.get("filename")
    if isinstance(filename, str) and filename:
        parts.append(filename)
        duration = meta.get("duration")
        if isinstance(duration, int | float) and not isinstance(duration, bool):
            parts.append(_duration_text(duration))
    bpm = meta.get("bpm")
    if isinstance(bpm, int | float):
        parts.append(f"{bpm:g} BPM")
    length = meta.get("length")
    if isinstance(length, int):
        parts.append(f"{length} step" + ("" if length == 1 else "s"))
    tracks = meta.get("tracks")
    if isinstance(tracks, int):
        parts.append(f"{tracks} track" + ("" if tracks == 1 else "s"))
    swing = meta.get("swing")
    if isinstance(swing, int | float) and swing > 0:
        parts.append(f"swing {round(swing * 100)}%")
    loops = meta.get("loops")
    if isinstance(loops, int) and loops > 1:
        parts.append(f"{loops} loops")
    return " · ".join(parts) if parts else "Pattern"


def time_text(timestamp: str, now: datetime | None = None) -> str:
    """Local clock time today, the date otherwise — what a chat shows."""
    try:
        when = parse_time(timestamp).astimezone()
    except ValueError:
        return ""
    now = now or datetime.now().astimezone()
    if when.date() == now.date():
        return when.strftime("%H:%M")
    if when.year == now.year:
        return f"{when.day} {when.strftime('%b, %H:%M')}"
    return f"{when.day} {when.strftime('%b %Y, %H:%M')}"


@dataclass
class MessageRow:
    """A message plus its client-only state; derived texts are cached here."""

    message: Message
    pending: bool = False
    upload_progress: float | None = None
    upload_error: str | None = None
    # The sender's own take while the message waits in the outbox (duration and peaks;
    # the file is found by message id): a queued message plays from it before any upload.
    take: Render | None = None
    playing: bool = False
    position: float = 0.0
    sort_key: tuple[str, str, str] = ("", "", "")
    meta: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    time: str = ""

    @classmethod
    def build(cls, message: Message, **state: Any) -> MessageRow:
        meta = summary_of(message)
        return cls(
            message=message,
            sort_key=(message.timestamp, message.created_at, message.id),
            meta=meta,
            summary=summary_text(meta),
            time=time_text(message.timestamp),
            **state,
        )

    @property
    def render_state(self) -> str:
        if self.upload_error:
            return RENDER_FAILED
        if self.upload_progress is not None:
            return RENDER_UPLOADING
        if self.pending:
            return RENDER_READY if self.take is not None else RENDER_PENDING
        if self.message.renders:
            return RENDER_READY
        return RENDER_NONE

    @property
    def peaks(self) -> tuple[float, ...] | None:
        for render in self.message.renders or ((self.take,) if self.take else ()):
            if render.peaks:
                return render.peaks
        return None

    @property
    def duration(self) -> float | None:
        if self.message.renders:
            return self.message.renders[0].duration
        return self.take.duration if self.take is not None else None

    @property
    def time_text(self) -> str:
        """A queued message that already shows its player still says it is not sent."""
        if self.pending and self.take is not None and not self.message.renders:
            return f"{self.time} · waiting to send"
        return self.time


def _sort_key(row: MessageRow) -> tuple[str, str, str]:
    return row.sort_key


class MessageListModel(QAbstractListModel):
    """``MessageListModel(own_user_id="", parent=None)``; rows sorted by timestamp."""

    def __init__(self, own_user_id: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._own = own_user_id
        self._rows: list[MessageRow] = []
        self._index: dict[str, int] = {}
        self._latest_own = ""  # the one row that may show "Uploading audio… NN%"

    # ---- Qt model API ----------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:
        names = {int(k): QByteArray(v) for k, v in ROLE_NAMES.items()}
        names[int(Qt.ItemDataRole.DisplayRole)] = QByteArray(b"display")
        return names

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
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
            case Roles.PEAKS:
                return row.peaks
            case Roles.DURATION:
                return row.duration
            case Roles.PLAYING:
                return row.playing
            case Roles.POSITION:
                return row.position
        return None

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
                        playing=prev.playing,
                        position=prev.position,
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
        new.playing, new.position = old.playing, old.position
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
            self.set_playback(message.id, playing=new.playing, position=new.position)
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

    def set_playback(self, message_id: str, *, playing: bool, position: float = 0.0) -> None:
        """The player's state for one row (the player itself lives elsewhere)."""
        row_no = self._index.get(message_id)
        if row_no is None:
            return
        row = self._rows[row_no]
        roles = []
        if row.playing != playing:
            row.playing = playing
            roles.append(int(Roles.PLAYING))
        position = min(1.0, max(0.0, position))
        if row.position != position:
            row.position = position
            roles.append(int(Roles.POSITION))
        if roles:
            idx = self.index(row_no)
            self.dataChanged.emit(idx, idx, roles)

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
    (lambda r: r.peaks, [int(Roles.PEAKS)]),
    (lambda r: r.duration, [int(Roles.DURATION)]),
    (lambda r: r.render_state, [int(Roles.RENDER_STATE)]),
    (lambda r: r.upload_progress, [int(Roles.UPLOAD_PROGRESS)]),
    (lambda r: r.upload_error or "", [int(Roles.ERROR_TEXT), int(Qt.ItemDataRole.ToolTipRole)]),
)
