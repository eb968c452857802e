"""An outbox entry keeps all of its draft: the message retried after a crash is the one the
user sent (same id, timestamp, words, reply and take)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.domain.draft import AudioFile, MessageDraft
from desktop_app.services.outbox import OutboxEntry, Stage


def test_an_entry_gives_back_the_draft_it_was_made_of(tmp_path: Path) -> None:
    draft = MessageDraft(
        "t1",
        "ada",
        {"bpm": 97},
        {"bpm": 97, "loops": 2},
        AudioFile(tmp_path / "take.mp3", 320, 4.5, (0.1, 0.9)),
        text="this one",
        reply_to="m0",
    )
    entry = OutboxEntry.of(draft)
    assert entry.stage == Stage.QUEUED and entry.render is None
    assert (entry.id, entry.text, entry.reply_to) == (draft.id, "this one", "m0")
    assert entry.draft == draft
