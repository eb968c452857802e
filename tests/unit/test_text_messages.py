"""Words in messages: drafts, the outbox keeps them across a restart, the model's roles
and the quote a reply shows."""

from __future__ import annotations

from pathlib import Path

from desktop_app.domain.draft import draft_with_audio, draft_with_text
from desktop_app.domain.message import Message
from desktop_app.services.outbox import Outbox
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.message_roles import Roles


def test_a_text_only_draft_survives_the_outbox_reopened(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3", tmp_path / "files")
    draft = draft_with_text("t1", "ada", "see <b>this</b>\nhttps://example.org", "m0")
    outbox.add(draft)
    outbox.close()
    again = Outbox(tmp_path / "outbox.sqlite3", tmp_path / "files")
    entry = again.get(draft.id)
    assert entry is not None
    assert entry.draft.text == draft.text and entry.draft.reply_to == "m0"
    shown = entry.as_message()
    assert shown.text == draft.text and not shown.has_pattern
    again.close()


def test_message_json_round_trip_keeps_words() -> None:
    m = Message.from_json(
        {"id": "m", "parent_thread": "t", "user_id": "bo", "snapshot": {}, "text": "hi",
         "reply_to": "x"}
    )  # fmt: skip
    assert (m.text, m.reply_to) == ("hi", "x") and "text" not in m.extra
    assert Message.from_json(m.to_json()) == m


def test_roles_and_quotes() -> None:
    model = MessageListModel("ada")
    pattern = draft_with_audio("t", "bo", {"bpm": 122, "length": 16}, None)
    model.upsert_message(_message(pattern.id, "bo", pattern.snapshot, "", "", "1"))
    model.upsert_message(_message("w", "ada", {}, "words first\nsecond line", pattern.id, "2"))
    model.upsert_message(_message("r", "bo", {}, "ok", "w", "3"))
    words = model.index(model.row_of("w"))
    assert words.data(Roles.TEXT) == "words first\nsecond line"
    assert words.data(Roles.HAS_PATTERN) is False
    assert words.data(Roles.QUOTE_TEXT) == "bo: pattern · 122 BPM"
    assert model.index(model.row_of("r")).data(Roles.QUOTE_TEXT) == "ada: words first"


def _message(mid: str, user: str, snap: dict, text: str, reply: str, ts: str) -> Message:
    return Message(mid, "t", user, snap, f"2026-01-01T00:00:0{ts}Z", text=text, reply_to=reply)
