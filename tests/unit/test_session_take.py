"""The pending row's stand-in player for a queued take, while the send worker may be moving
the take's file (a dropped WAV, encoded into the outbox's scratch folder, is moved into the
outbox right after queuing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.services.outbox import AudioFile, OutboxEntry
from desktop_app.state import outbox_rows


def _entry(path: Path) -> OutboxEntry:
    return OutboxEntry(
        "m1", "t1", "ada", {"filename": "idea.wav"}, None, "2026-12-01T10:00:00Z",
        audio=AudioFile(path, bitrate=320, duration=1.5, peaks=(0.5,) * 10),
    )  # fmt: skip


def test_take_of_a_file_that_is_there(tmp_path: Path) -> None:
    take = tmp_path / "idea.mp3"
    take.write_bytes(b"\xff\xfb" * 500)
    render = outbox_rows.take_of(_entry(take))
    assert render is not None and render.size_bytes == 1000 and render.duration == 1.5
    assert render.url == take.as_uri()


def test_take_moved_away_while_looking_gives_no_player_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The move happens between "is it a file?" (yes) and "how big is it?": seen in the
    drop-a-file journey as a FileNotFoundError escaping into the event loop."""
    gone = tmp_path / "scratch" / "idea-1234.mp3"
    monkeypatch.setattr(Path, "is_file", lambda self: True)  # it was there a moment ago
    assert outbox_rows.take_of(_entry(gone)) is None
