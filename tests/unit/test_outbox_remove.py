"""Outbox.remove: once the entry is gone, nothing of it is left to find."""

from __future__ import annotations

from pathlib import Path

from desktop_app.domain.draft import AudioFile, MessageDraft
from desktop_app.services.outbox import Outbox


def test_the_take_goes_before_the_entry(tmp_path: Path, monkeypatch) -> None:
    """Issue 12: the app's "own recording" lookup (the take in the outbox's folder) could
    still find a delivered take after ``entries()`` no longer listed it, because the row
    went first and the file after."""
    outbox = Outbox(tmp_path / "outbox.sqlite3", tmp_path / "files")
    take = tmp_path / "take.mp3"
    take.write_bytes(b"ID3 not really audio")
    entry = outbox.add(MessageDraft("t1", "ada", {"bpm": 120}, audio=AudioFile(take)))
    assert entry.audio is not None and entry.audio.path.is_file()

    listed_while_deleting: list[bool] = []
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        listed_while_deleting.append(outbox.get(entry.id) is not None)
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    outbox.remove(entry.id)
    assert listed_while_deleting == [True]  # the file went while the entry still existed
    assert outbox.get(entry.id) is None and not entry.audio.path.exists()
    outbox.close()
