"""A client that comes back with an event id the server can no longer replay from gets a
``reset`` and reloads, instead of keeping rows the server no longer has: the deletions
after its id were pruned, or the server was restored from a backup older than its id.
Real server on 127.0.0.1, real session."""

from __future__ import annotations

import sqlite3
import time

from desktop_app.domain.draft import draft_with_text
from desktop_app.services.api import ApiClient
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.send_helpers import TIMEOUT
from tests.gui.test_live_events import _session


def _server_with_a_thread(tmp_path):
    """A real server on 127.0.0.1 (SQLite under ``tmp_path / "srv"``) holding one thread,
    and alice's API client on it: ``(backend, server, api, thread)``."""
    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(backend.app()).start()
    api = ApiClient(server.url, TOKEN)
    return backend, server, api, api.create_thread("Takes")


def _watching_until_the_server_stops(qtbot, bob, thread_id: str, ids: list[str], server) -> None:
    """bob has the thread open with ``ids`` in it, live; then only the event stream may
    tell him about changes (no polling), and the server stops."""
    bob.open()
    bob.start()
    bob.threads.open_thread(thread_id)
    model = bob.threads.messages
    qtbot.waitUntil(lambda: bob.live.streaming, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: all(model.row_of(i) >= 0 for i in ids), timeout=TIMEOUT)
    bob.threads.stop_live_sync()
    server.stop()
    qtbot.waitUntil(lambda: not bob.live.streaming, timeout=TIMEOUT)


def _back_without(qtbot, bob, gone: str, kept: str) -> None:
    """Once bob's stream is back, his open thread has dropped ``gone`` and kept ``kept``."""
    model = bob.threads.messages
    qtbot.waitUntil(lambda: bob.live.streaming, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: model.row_of(gone) < 0, timeout=TIMEOUT)
    assert model.row_of(kept) >= 0


def test_after_pruned_deletions_the_open_thread_drops_what_was_deleted(
    qtbot, tmp_path, tasks
) -> None:
    backend, server, api, thread = _server_with_a_thread(tmp_path)
    gone = api.post_message(draft_with_text(thread.id, "alice", "deleted while away")).id
    kept = api.post_message(draft_with_text(thread.id, "alice", "still here")).id
    bob = _session(server.url, tmp_path / "bob", tasks, "bob")
    try:
        _watching_until_the_server_stops(qtbot, bob, thread.id, [gone, kept], server)
        # While bob is away his message is deleted and the deletion forgotten (pruned).
        assert backend.store.delete_message(gone) is not None
        assert backend.store.prune_tombstones(int(time.time() * 1000) + 60_000) == 1
        server = ThreadedServer(backend.app(), port=server.port).start()
        _back_without(qtbot, bob, gone, kept)
    finally:
        bob.close(wait_ms=3000)
        server.stop()


def test_a_server_restored_from_a_backup_resets_and_the_open_thread_reloads(
    qtbot,
    tmp_path,
    tasks,
) -> None:
    backend, server, api, thread = _server_with_a_thread(tmp_path)
    kept = api.post_message(draft_with_text(thread.id, "alice", "in the backup")).id
    restored_dir = tmp_path / "restored" / "server-data"
    restored_dir.mkdir(parents=True)
    source = sqlite3.connect(backend.settings.data_dir / "sequencer.sqlite3")
    backup = sqlite3.connect(restored_dir / "sequencer.sqlite3")
    source.backup(backup)
    source.close()
    backup.close()
    lost = api.post_message(draft_with_text(thread.id, "alice", "after the backup")).id
    bob = _session(server.url, tmp_path / "bob", tasks, "bob")
    try:
        _watching_until_the_server_stops(qtbot, bob, thread.id, [kept, lost], server)
        # The same address now serves the backup: bob's event id is newer than any of its
        # changes, and the poll API's "what changed since" has nothing to say about it.
        restored = make_backend("sqlite-local", tmp_path / "restored")
        server = ThreadedServer(restored.app(), port=server.port).start()
        _back_without(qtbot, bob, lost, kept)
    finally:
        bob.close(wait_ms=3000)
        server.stop()
