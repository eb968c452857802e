"""A message this client is about to send: what it says, where it goes, and its take.

One value object instead of the same seven arguments passed down the send path (the
outbox, the send queue, the API client, the first run). The id and the timestamp are
chosen here, once, so every retry of the same draft is the same message to the server.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from desktop_app.domain.message import AUDIO_SNAPSHOT_FORMAT, Render, utc_now_iso
from desktop_app.domain.metadata import snapshot_metadata
from desktop_app.domain.sendable import sendable_snapshot


@dataclass(frozen=True)
class AudioFile:
    """The recording to send with a message, and what the message says about it."""

    path: Path
    bitrate: int | None = None
    duration: float | None = None
    peaks: tuple[float, ...] | None = None


@dataclass(frozen=True)
class SampleFile:
    """An own sample the message's pattern plays, to be on the server before the message.

    ``path`` is a local file holding exactly those bytes (``None``: not on this computer,
    so the server must have it already); ``uploaded`` records that the server confirmed
    it, so a resumed delivery does not ask again."""

    sha256: str
    path: Path | None = None
    name: str = ""
    uploaded: bool = False

    @property
    def label(self) -> str:
        return self.name or f"sample {self.sha256[:8]}"


def new_message_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class MessageDraft:
    """``audio`` is a local file still to upload; ``renders`` are renders the server
    already holds (the first run's demo), posted with the message itself. ``samples``:
    local files of the own samples the pattern plays, where the sender already knows them
    (the outbox finds the others in the sample cache)."""

    thread_id: str
    user_id: str
    snapshot: dict[str, Any]
    snapshot_metadata: dict[str, Any] | None = None
    audio: AudioFile | None = None
    renders: tuple[Render, ...] = ()
    id: str = field(default_factory=new_message_id)
    timestamp: str = field(default_factory=utc_now_iso)
    text: str = ""
    reply_to: str = ""
    samples: tuple[SampleFile, ...] = ()


class Take(Protocol):
    """A finished recording (``audio.recorder.RecordingResult``) as a draft needs it."""

    @property
    def mp3_path(self) -> Path: ...
    @property
    def bitrate(self) -> int: ...
    @property
    def duration(self) -> float: ...
    @property
    def peaks(self) -> list[float]: ...


MAX_TEXT = 4000  # the server's limit on a message's words


def draft_with_audio(
    thread_id: str,
    user_id: str,
    snapshot: dict[str, Any],
    audio: AudioFile | Take | None,
    *,
    text: str = "",
    reply_to: str = "",
) -> MessageDraft:
    """A pattern message with its recording (a file, or a finished take as the recorder
    hands it over), its list summary (``snapshot_metadata``) worked out here."""
    if audio is not None and not isinstance(audio, AudioFile):
        audio = AudioFile(
            path=Path(audio.mp3_path),
            bitrate=audio.bitrate,
            duration=audio.duration,
            peaks=tuple(audio.peaks) if audio.peaks else None,
        )
    snapshot = sendable_snapshot(snapshot)
    meta = snapshot_metadata(snapshot, audio.duration if audio else None)
    return MessageDraft(thread_id, user_id, snapshot, meta, audio, text=text, reply_to=reply_to)


def draft_with_audio_file(
    thread_id: str,
    user_id: str,
    filename: str,
    audio: AudioFile,
    snapshot: dict[str, Any] | None = None,
) -> MessageDraft:
    """A dropped audio file as its own message, named ``filename`` (the file dropped,
    whatever the MP3 sent is called: a WAV is encoded to a file of another name)."""
    snap = snapshot or {"format": AUDIO_SNAPSHOT_FORMAT, "version": "0.0.1", "filename": filename}
    return draft_with_audio(thread_id, user_id, snap, audio)


def draft_with_text(thread_id: str, user_id: str, text: str, reply_to: str = "") -> MessageDraft:
    """Words only: no snapshot, nothing to upload."""
    return MessageDraft(thread_id, user_id, {}, None, None, text=text, reply_to=reply_to)
