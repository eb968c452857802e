"""One row of the message list: a message, its client-only state and its derived texts.

The texts (time, summary) are computed once per message, not per paint; the send flow's
state (pending, uploading, failed) and the player's state of the row (``RowPlayback``)
live beside the message so the list model can answer every role from one object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desktop_app.domain.durations import clock_text, loops_held, loops_text
from desktop_app.domain.message import Message, Render, parse_time
from desktop_app.domain.pattern import pass_seconds
from desktop_app.state.row_playback import NO_PLAYBACK, RowPlayback

RENDER_NONE = "none"
RENDER_UPLOADING = "uploading"
RENDER_FAILED = "failed"
RENDER_READY = "ready"


def summary_of(message: Message) -> dict[str, Any]:
    """``snapshot_metadata`` when the sender supplied it, else derived from the snapshot."""
    meta = dict(message.snapshot_metadata or {})
    snap = message.snapshot or {}
    tracks = snap.get("tracks")
    meta.setdefault("bpm", snap.get("bpm"))
    meta.setdefault("length", snap.get("length"))
    meta.setdefault("swing", snap.get("swing"))
    meta.setdefault("steps_per_beat", snap.get("steps_per_beat"))  # for the seek bar's ticks
    if "tracks" not in meta and isinstance(tracks, list):
        meta["tracks"] = len(tracks)
    if "filename" not in meta and isinstance(snap.get("filename"), str):
        meta["filename"] = snap["filename"]
    return meta


def summary_text(meta: dict[str, Any], duration: float | None = None) -> str:
    """One line under the sender's name: a dropped file's name (and length), else the
    pattern's tempo, length and tracks, and the loops its take (``duration`` s) holds;
    "Pattern" when a sender gave nothing to show."""
    parts = []
    filename = meta.get("filename")
    if isinstance(filename, str) and filename:
        parts.append(filename)
        duration = meta.get("duration")
        if isinstance(duration, int | float) and not isinstance(duration, bool):
            parts.append(clock_text(duration))  # as its player and the composer say it
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
    held = _loops_held(meta, duration)
    if held is not None and held != 1:
        parts.append(loops_text(held))
    return " · ".join(parts) if parts else "Pattern"


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _loops_held(meta: dict[str, Any], duration: float | None) -> float | None:
    """How many passes the take holds, from its length and the pattern's tempo (the
    sender's whole-number ``loops`` said "3 loops" of a take 2.6 passes long); the
    sender's number when the length or tempo is not known."""
    bpm, length = _number(meta.get("bpm")), _number(meta.get("length"))
    spb = _number(meta.get("steps_per_beat")) or 4.0
    seconds = duration if duration is not None else _number(meta.get("duration"))
    if seconds and bpm and length and bpm > 0:
        held = loops_held(seconds, pass_seconds(length, bpm, spb))
        if held is not None:
            return held
    loops = meta.get("loops")
    return float(loops) if isinstance(loops, int) and not isinstance(loops, bool) else None


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


# What a row holds beside the message that no server copy of it brings.
CLIENT_STATE = ("pending", "upload_progress", "upload_error", "take", "playback")


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
    playback: RowPlayback = NO_PLAYBACK  # written by the playback controller only
    sort_key: tuple[str, str, str] = ("", "", "")
    meta: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    time: str = ""

    @classmethod
    def build(cls, message: Message, **state: Any) -> MessageRow:
        meta = summary_of(message)
        return cls(
            message=message,
            sort_key=message.sort_key,
            meta=meta,
            summary=summary_text(meta, message.renders[0].duration if message.renders else None),
            time=time_text(message.timestamp),
            **state,
        )

    def with_message(self, message: Message) -> MessageRow:
        """Another copy of the message (the server's) with this row's client-only state."""
        return MessageRow.build(message, **{name: getattr(self, name) for name in CLIENT_STATE})

    @property
    def render_state(self) -> str:
        if self.upload_error:
            return RENDER_FAILED
        if self.upload_progress is not None:
            return RENDER_UPLOADING
        if self.pending and self.take is not None:
            return RENDER_READY  # the queued take plays from the outbox
        # Queued or not, a message without a take says so in its strip ("Pattern only");
        # that it waits to be sent is said once, beside its time (``time_text``).
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
    def duration_ms(self) -> float:
        """The render's own length, what the take holds (the player's decoded length
        adds the MP3's padding: 6.504 s for a 6.467 s take, "0:07" on one machine and
        "0:06" on the other); the player's when the render does not say."""
        return float((self.duration or 0.0) * 1000 or self.playback.duration_ms)

    @property
    def playing(self) -> bool:
        return self.playback.playing

    @property
    def position(self) -> float:
        """The playback position, 0..1."""
        position = self.playback.position_ms
        if not position:
            return 0.0
        # Along the file the player plays (and seeks in), padding included: the knob
        # stays under the pointer and reaches the end when playing does.
        duration = self.playback.duration_ms or self.duration_ms
        return min(1.0, position / duration) if duration else 0.0

    @property
    def time_text(self) -> str:
        """The time, and whether the message is still on its way: a queued message says
        it waits and a failed one that it was not sent, with or without a take — a
        text-only row has no audio strip to say it, and a take's player looks sent."""
        if self.upload_error:
            if self.message.has_pattern:
                return f"{self.time} · not sent"  # the audio strip says why, with Retry
            reason = self.upload_error.partition(" — ")[2] or self.upload_error
            return f"{self.time} · not sent: {reason}"
        if self.pending and not self.message.renders:
            return f"{self.time} · waiting to send"
        return self.time
