"""The message list's roles: their numbers and names, how each is read from a row, and
which roles a change of a row announces.

Kept apart from ``message_list_model.py`` because what a row presents changes for reasons
of its own (a new role for a new thing to paint) while the model's storage and row
bookkeeping stay as they are. The model answers the few roles that depend on other rows
(the upload shown only on the latest own message, the quote, the "New" divider) itself.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt

from desktop_app.domain.message import Message
from desktop_app.state.message_row import MessageRow


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
    DURATION = Qt.ItemDataRole.UserRole + 14  # seconds: the render's own, else the player's
    PLAYING = Qt.ItemDataRole.UserRole + 15  # bool: this row's render is playing
    POSITION = Qt.ItemDataRole.UserRole + 16  # float 0..1 playback position
    LOADED = Qt.ItemDataRole.UserRole + 17  # bool: this row's render is in the player
    POSITION_MS = Qt.ItemDataRole.UserRole + 18  # int: playback position in ms
    DOWNLOAD = Qt.ItemDataRole.UserRole + 19  # float 0..1 while fetching, or None
    NOT_DOWNLOADED = Qt.ItemDataRole.UserRole + 20  # bool: offline and not on this machine
    PLAYBACK_ERROR = Qt.ItemDataRole.UserRole + 21  # str: why playing failed, or ""
    LOOP = Qt.ItemDataRole.UserRole + 22  # bool: the row's Loop toggle
    TEXT = Qt.ItemDataRole.UserRole + 23  # str: the message's words (plain text), or ""
    HAS_PATTERN = Qt.ItemDataRole.UserRole + 24  # bool: False for a text-only message
    REPLY_TO = Qt.ItemDataRole.UserRole + 25  # str: id of the message answered, or ""
    QUOTE_TEXT = Qt.ItemDataRole.UserRole + 26  # str: "bob: words" of the answered one
    NEW_DIVIDER = Qt.ItemDataRole.UserRole + 27  # bool: the first unread message ("New")
    LOADABLE = Qt.ItemDataRole.UserRole + 28  # bool: a pattern to load (not a dropped file)


def role_name(role: Roles) -> bytes:
    """The role's name for QML and tools: its own name in camelCase ("timeText"), but
    "messageId" for ``ID``, which QML reserves."""
    if role is Roles.ID:
        return b"messageId"
    first, *rest = role.name.lower().split("_")
    return (first + "".join(word.title() for word in rest)).encode()


def quote_body(message: Message, meta: dict[str, Any] | None) -> str:
    if message.text:
        first = message.text.strip().splitlines()[0] if message.text.strip() else ""
        return first[:120] + ("…" if len(first) > 120 else "")
    bpm = (meta or {}).get("bpm")
    return f"pattern · {bpm:g} BPM" if isinstance(bpm, int | float) else "pattern"


def _duration_s(row: MessageRow) -> float | None:
    """``MessageRow.duration_ms``: the render's own length first, as every client shows."""
    return row.duration_ms / 1000 if row.duration_ms else None


def _not_downloaded(row: MessageRow) -> bool:
    """Offline and nowhere on this machine. A queued own take is never that: it plays
    from the outbox, though the controller may have looked before the send worker copied
    it there (and a later update of the row keeps the player's state as it was)."""
    return row.playback.not_downloaded and row.take is None


# The playback roles and how each is read from a row; a playback update announces the
# roles whose values differ, so a position tick names POSITION and POSITION_MS only.
PLAYBACK_VALUES: tuple[tuple[int, Callable[[MessageRow], Any]], ...] = (
    (int(Roles.PLAYING), lambda r: r.playback.playing),
    (int(Roles.POSITION), lambda r: r.position),
    (int(Roles.LOADED), lambda r: r.playback.loaded),
    (int(Roles.POSITION_MS), lambda r: r.playback.position_ms),
    (int(Roles.DOWNLOAD), lambda r: r.playback.download),
    (int(Roles.NOT_DOWNLOADED), _not_downloaded),
    (int(Roles.PLAYBACK_ERROR), lambda r: r.playback.error),
    (int(Roles.LOOP), lambda r: r.playback.loop),
    (int(Roles.PEAKS), lambda r: r.peaks or r.playback.peaks),
    (int(Roles.DURATION), _duration_s),
)
PLAYBACK_ROLES = [role for role, _value_of in PLAYBACK_VALUES]

# Every role a row answers by itself, and how.
ROW_VALUES: dict[int, Callable[[MessageRow], Any]] = {
    int(Roles.MESSAGE): lambda r: r.message,
    int(Roles.ID): lambda r: r.message.id,
    int(Roles.USER): lambda r: r.message.user_id,
    int(Roles.TIME_TEXT): lambda r: r.time_text,
    int(Roles.SNAPSHOT): lambda r: r.message.snapshot,
    int(Roles.METADATA): lambda r: r.meta,
    int(Roles.SUMMARY_TEXT): lambda r: r.summary,
    int(Roles.RENDERS): lambda r: r.message.renders,
    int(Roles.UPLOAD_PROGRESS): lambda r: r.upload_progress,
    int(Roles.ERROR_TEXT): lambda r: r.upload_error or "",
    int(Roles.TEXT): lambda r: r.message.text,
    int(Roles.HAS_PATTERN): lambda r: r.message.has_pattern,
    int(Roles.LOADABLE): lambda r: r.message.has_loadable_pattern,
    int(Roles.REPLY_TO): lambda r: r.message.reply_to,
    **dict(PLAYBACK_VALUES),
}

# What each role is computed from: a row update announces only the roles whose source
# changed, so views repaint exactly what moved (an upload tick is one role, not a row).
_ROLE_SOURCES: tuple[tuple[Callable[[MessageRow], Any], list[int]], ...] = (
    (lambda r: r.message, [int(Roles.MESSAGE)]),
    (lambda r: r.message.user_id, [int(Roles.USER), int(Roles.IS_OWN)]),
    (lambda r: r.time_text, [int(Roles.TIME_TEXT)]),
    (lambda r: r.message.snapshot, [int(Roles.SNAPSHOT), int(Roles.LOADABLE)]),
    (lambda r: r.meta, [int(Roles.METADATA)]),
    (lambda r: r.summary, [int(Roles.SUMMARY_TEXT)]),
    (lambda r: r.message.renders, [int(Roles.RENDERS)]),
    (
        lambda r: (r.message.text, r.message.reply_to),
        [int(Roles.TEXT), int(Roles.HAS_PATTERN), int(Roles.REPLY_TO), int(Roles.QUOTE_TEXT)],
    ),
    (ROW_VALUES[int(Roles.PEAKS)], [int(Roles.PEAKS)]),
    (_duration_s, [int(Roles.DURATION), int(Roles.POSITION)]),
    (_not_downloaded, [int(Roles.NOT_DOWNLOADED)]),
    (lambda r: r.render_state, [int(Roles.RENDER_STATE)]),
    (lambda r: r.upload_progress, [int(Roles.UPLOAD_PROGRESS)]),
    (lambda r: r.upload_error or "", [int(Roles.ERROR_TEXT), int(Qt.ItemDataRole.ToolTipRole)]),
)


def changed_roles(old: MessageRow, new: MessageRow) -> list[int]:
    """The roles a view must repaint when ``old`` becomes ``new`` (with ``DisplayRole``
    whenever any changed)."""
    roles: list[int] = []
    for value_of, roles_of in _ROLE_SOURCES:
        if value_of(old) != value_of(new):
            roles += roles_of
    if roles:
        roles.append(int(Qt.ItemDataRole.DisplayRole))
    return roles


def changed_playback_roles(row: MessageRow, before: list[Any]) -> list[int]:
    """The playback roles whose values differ from ``before`` (``playback_values``)."""
    return [
        role
        for (role, value_of), old in zip(PLAYBACK_VALUES, before, strict=True)
        if value_of(row) != old
    ]


def playback_values(row: MessageRow) -> list[Any]:
    return [value_of(row) for _role, value_of in PLAYBACK_VALUES]
