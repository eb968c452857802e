"""A client whose cursor is older than the deletions the server remembers (tombstones are
pruned after TOMBSTONE_RETENTION_DAYS) is told to reset, and drops what was deleted."""

from __future__ import annotations

import time

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.local_store import LocalStore
from desktop_app.state.threads_state import ThreadsState
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend

TIMEOUT = 5000


def test_stale_cursor_after_pruned_deletions_drops_the_deleted_message(qtbot, tasks, tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    store = LocalStore(tmp_path / "client" / "cache.sqlite3")
    with ThreadedServer(backend.app()) as server:
        api = ApiClient(server.url, TOKEN, timeout=10.0)
        thread = api.create_thread("Long ago")
        snap = demo_pattern().to_snapshot()
        kept = api.create_message(thread.id, "ben", snap, timestamp="2024-05-01T10:00:01Z")
        gone = api.create_message(thread.id, "ben", snap, timestamp="2024-05-01T10:00:02Z")
        state = ThreadsState(api, tasks, "ana", store, retry_delays=(0.05,))
        state.open_thread(thread.id)
        qtbot.waitUntil(lambda: set(state.messages.ids()) == {kept.id, gone.id}, timeout=TIMEOUT)

        # While this client was away: a deletion, forgotten after the retention period.
        api.delete_message(gone.id)
        assert backend.store.prune_tombstones(int(time.time() * 1000) + 1) == 1
        later = api.create_message(thread.id, "ben", snap, timestamp="2024-05-01T10:00:03Z")

        state.refresh_messages()
        qtbot.waitUntil(lambda: set(state.messages.ids()) == {kept.id, later.id}, timeout=TIMEOUT)
        qtbot.waitUntil(
            lambda: {m.id for m in store.list_messages(thread.id)} == {kept.id, later.id},
            timeout=TIMEOUT,
        )
        tasks.wait(5000)
    store.close()
