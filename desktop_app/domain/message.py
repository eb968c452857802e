"""Threads, messages and renders as the client holds them.

Field names follow the HTTP contract (seed document, "Data Models"); ``from_json`` keeps
unknown fields in ``extra`` so that a newer server's additions survive a local cache round
trip. ``upload_status`` is client-only, exactly as in the seed's Dart model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from sequencer_common.visible_text import safe_name, safe_text

# The snapshot of a message that is a dropped audio file rather than a pattern.
AUDIO_SNAPSHOT_FORMAT = "sequencer.audio"


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str | None) -> datetime:
    """ISO 8601 with or without ``Z``; naive times are taken as UTC."""
    if not text:
        return datetime.fromtimestamp(0, UTC)
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


_RENDER_KEYS = {"id", "url", "format", "bitrate", "duration", "size_bytes", "created_at", "peaks"}


@dataclass(frozen=True)
class Render:
    id: str
    url: str
    format: str = "mp3"
    bitrate: int | None = None
    duration: float | None = None
    size_bytes: int | None = None
    created_at: str = ""
    peaks: tuple[float, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Render:
        peaks = data.get("peaks")
        return cls(
            id=str(data["id"]),
            url=str(data.get("url", "")),
            format=str(data.get("format", "mp3")),
            bitrate=data.get("bitrate"),
            duration=data.get("duration"),
            size_bytes=data.get("size_bytes"),
            created_at=str(data.get("created_at", "")),
            peaks=tuple(float(p) for p in peaks) if peaks else None,
            extra={k: v for k, v in data.items() if k not in _RENDER_KEYS},
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data.update(id=self.id, url=self.url, format=self.format, created_at=self.created_at)
        for key in ("bitrate", "duration", "size_bytes"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.peaks is not None:
            data["peaks"] = list(self.peaks)
        return data


@dataclass(frozen=True)
class Message:
    id: str
    parent_thread: str
    user_id: str
    snapshot: dict[str, Any]
    timestamp: str
    created_at: str = ""
    snapshot_metadata: dict[str, Any] | None = None
    renders: tuple[Render, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    text: str = ""  # words with (or instead of) the pattern; plain text, never markup
    reply_to: str = ""  # the id of the message this one answers, in the same thread

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        return cls(
            id=str(data["id"]),
            parent_thread=str(data["parent_thread"]),
            user_id=safe_name(str(data.get("user_id", ""))),
            snapshot=dict(data.get("snapshot") or {}),
            timestamp=str(data.get("timestamp", "")),
            created_at=str(data.get("created_at", "")),
            snapshot_metadata=data.get("snapshot_metadata"),
            renders=tuple(Render.from_json(r) for r in data.get("renders") or ()),
            extra=_shown_safely({k: v for k, v in data.items() if k not in _MESSAGE_KEYS}),
            text=safe_text(str(data.get("text") or "")),
            reply_to=str(data.get("reply_to") or ""),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data.update(
            id=self.id,
            parent_thread=self.parent_thread,
            user_id=self.user_id,
            snapshot=self.snapshot,
            timestamp=self.timestamp,
            created_at=self.created_at,
            snapshot_metadata=self.snapshot_metadata,
            renders=[r.to_json() for r in self.renders],
        )
        if self.text:
            data["text"] = self.text
        if self.reply_to:
            data["reply_to"] = self.reply_to
        return data

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """The conversation's order: by time, then creation, then id (so equal times
        still order alike on every client)."""
        return (self.timestamp, self.created_at, self.id)

    @property
    def has_pattern(self) -> bool:
        """False for a text-only message (no snapshot: nothing to load or play)."""
        return bool(self.snapshot)

    @property
    def is_audio_file(self) -> bool:
        """A dropped audio file (an MP3 or WAV sent as is): something to play, but no
        pattern to load into the sequencer."""
        return bool(self.snapshot) and self.snapshot.get("format") == AUDIO_SNAPSHOT_FORMAT

    @property
    def has_loadable_pattern(self) -> bool:
        """A pattern the sequencer can load: neither text only nor a dropped file."""
        return self.has_pattern and not self.is_audio_file

    def with_render(self, render: Render) -> Message:
        """Attaching is idempotent by render id, as on the server."""
        if any(r.id == render.id for r in self.renders):
            return self
        return replace(self, renders=(*self.renders, render))


# Names and words from a server (an older one stored control characters and bidi
# overrides) are cleaned as they are read, so no window, list or terminal line shows them.
def _shown_safely(extra: dict[str, Any]) -> dict[str, Any]:
    """The author's display name is shown like ``user_id``."""
    if isinstance(extra.get("user_name"), str):
        extra["user_name"] = safe_name(extra["user_name"])
    return extra


# The contract's keys, which are Message's own field names; a message's other keys (a newer
# server's additions) are kept in ``extra``.
_MESSAGE_KEYS = frozenset(f.name for f in fields(Message)) - {"extra"}


@dataclass(frozen=True)
class Thread:
    id: str
    name: str
    users: tuple[str, ...] = ()
    created_at: str = ""
    updated_at: str = ""
    private: bool = False  # seen only by ``users`` (and the server's admins)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Thread:
        return cls(
            id=str(data["id"]),
            name=safe_name(str(data.get("name", ""))),
            users=tuple(safe_name(str(u)) for u in data.get("users") or ()),
            created_at=str(data.get("created_at", "")),
            updated_at=str(data.get("updated_at", data.get("created_at", ""))),
            private=bool(data.get("private") or False),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "users": list(self.users),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if self.private:  # public threads keep the seed's exact shape
            data["private"] = True
        return data
