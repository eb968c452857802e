"""The one paging loop, against the real server: pages small enough that the loop has to
follow the cursor, deletions, and asking again from the cursor it returned."""

from __future__ import annotations

from desktop_app.services.audio_cache import thread_messages
from desktop_app.services.message_pages import fetch_changes
from tests.server.helpers import pattern


def test_fetch_changes_follows_the_cursor_across_pages(api) -> None:
    thread = api.create_thread("paging")
    sent = [api.create_message(thread.id, "ana", pattern(bpm=100 + i)) for i in range(7)]
    api.delete_message(sent[2].id)

    first = fetch_changes(api, thread.id, page_size=2)
    assert set(first.messages) == {m.id for m in sent} - {sent[2].id}
    assert sent[2].id not in first.messages and not first.restarted
    assert first.cursor is not None

    later = api.create_message(thread.id, "ana", pattern(bpm=90))
    api.delete_message(sent[0].id)
    second = fetch_changes(api, thread.id, first.cursor, page_size=2)
    assert set(second.messages) == {later.id}
    assert second.deleted == {sent[0].id}

    whole = thread_messages(api, thread.id, page_size=3)
    assert {m.id for m in whole} == {m.id for m in sent[3:]} | {sent[1].id, later.id}
