"""How an outbox entry shows in the message list while it is on its way: the send status
the transport follows, what a failed row says, and the queued take as a stand-in player.

Pure functions of an entry, so the session only decides when a row changes, not how.
"""

from __future__ import annotations

from datetime import datetime

from desktop_app.domain.message import Render
from desktop_app.services.outbox import OutboxEntry, Stage

_FAILED_STEP = {
    Stage.QUEUED: "Could not post the message",
    Stage.CREATED: "Could not upload the recording",
    Stage.UPLOADED: "Could not attach the recording",
}


def failure_text(entry: OutboxEntry) -> str:
    """What a failed row says: the step that failed, then the server's reason — a message
    without audio never uploads anything, so "Upload failed" would send the user looking
    for a problem with a file that does not exist."""
    step = _FAILED_STEP.get(entry.failed_stage or Stage.QUEUED, "Could not send the message")
    return f"{step} — {entry.last_error}" if entry.last_error else step


HELD = "held"  # a send status: the server asked to wait (Retry-After) before the next try


def held_text(entry: OutboxEntry, detail: str) -> str:
    """The status line's sentence for a message the server asked to wait for: its words,
    and the wall-clock time of the next try."""
    when = datetime.fromtimestamp(entry.next_attempt_at).astimezone()
    what = "upload the recording" if entry.stage == Stage.CREATED else "send the message"
    return f"The server asked to wait ({detail.rstrip('.')}) — will {what} again at {when:%H:%M:%S}"


def send_status(entry: OutboxEntry) -> str:
    if entry.stage == Stage.FAILED:
        return "failed"
    if entry.stage == Stage.ATTACHED:
        return "sent"
    # A transient failure left its reason and a time to try again: the server is away.
    return "waiting" if entry.last_error else "queued"


def take_of(entry: OutboxEntry) -> Render | None:
    """The queued take as the row's stand-in render: its length and waveform. Nothing of
    it goes to the server or the local store; playback finds the file by message id."""
    audio = entry.audio
    if audio is None:
        return None
    try:
        # One look at the file, not "exists?" then "how big?": a dropped file's encoded
        # copy is moved into the outbox by the send worker at any moment after queuing.
        size = audio.path.stat().st_size
    except OSError:
        return None  # moved (the outbox's copy shows once it is delivered) or gone
    return Render(
        id=f"take-{entry.id}",
        url=audio.path.as_uri(),
        bitrate=audio.bitrate,
        duration=audio.duration,
        size_bytes=size,
        peaks=audio.peaks,
    )
