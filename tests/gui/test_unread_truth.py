"""Unread counts are the set of others' messages not seen that still exist: a deletion
lowers the count, a replay of the event stream (after ``Last-Event-ID`` from an earlier
id, a server restart) counts nothing twice, a restart of the app reads back the same
set, and the "New" line opens above the first of exactly those messages. Real server on
127.0.0.1 (restarted on its own data), real session with its local store."""

from __future__ import annotations

from desktop_app.domain.draft import draft_with_text
from desktop_app.services.api import ApiClient
from desktop_app.state.threads_state import ThreadsState
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.send_helpers import TIMEOUT
from tests.gui.test_live_events import _session


def _bob_listening(qtbot, tmp_path, tasks):
    """A real server with the threads "Other" and "Takes", and bob's session listening to
    its events with "Takes" open: (backend, server, api, other, bob)."""
    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(backend.app()).start()
    api = ApiClient(server.url, TOKEN)
    other = api.create_thread("Other")
    takes = api.create_thread("Takes")
    bob = _session(server.url, tmp_path / "bob", tasks, "bob")
    try:
        bob.open()
        bob.start()
        bob.threads.open_thread(takes.id)
        qtbot.waitUntil(lambda: bob.live.streaming, timeout=TIMEOUT)
    except BaseException:
        bob.close(wait_ms=3000)
        server.stop()
        raise
    return backend, server, api, other, bob


def test_deleted_replayed_and_restarted_messages_count_exactly_once(qtbot, tmp_path, tasks) -> None:
    backend, server, api, other, bob = _bob_listening(qtbot, tmp_path, tasks)
    try:
        first_id = bob.live._stream.last_event_id  # where a replay from the start begins
        pings = [
            api.post_message(draft_with_text(other.id, "alice", f"ping {i}")).id for i in range(3)
        ]
        threads = bob.threads
        qtbot.waitUntil(lambda: threads.unread_count(other.id) == 3, timeout=TIMEOUT)

        # Alice deletes two of the three: the count follows at once (it stayed at 3).
        api.delete_message(pings[0])
        api.delete_message(pings[2])
        qtbot.waitUntil(lambda: threads.unread_count(other.id) == 1, timeout=TIMEOUT)

        # The server restarts and bob's stream comes back asking for everything since
        # its first id: the remaining ping and the deletions arrive again; still 1.
        bob.live._stream.last_event_id = first_id
        server.stop()
        qtbot.waitUntil(lambda: not bob.live.streaming, timeout=TIMEOUT)
        server = ThreadedServer(backend.app(), port=server.port).start()
        qtbot.waitUntil(lambda: bob.live.streaming, timeout=TIMEOUT)
        word = api.post_message(draft_with_text(other.id, "alice", "after the restart")).id
        qtbot.waitUntil(lambda: threads.unread_count(other.id) == 2, timeout=TIMEOUT)
        qtbot.wait(300)
        assert threads.unread_count(other.id) == 2

        # Bob's app restarts: the same two, not more.
        bob.close(wait_ms=3000)
        bob = _session(server.url, tmp_path / "bob", tasks, "bob")
        bob.open()
        bob.start()
        threads = bob.threads
        qtbot.waitUntil(lambda: threads.unread_count(other.id) == 2, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: bob.live.streaming, timeout=TIMEOUT)
        qtbot.wait(300)
        assert threads.unread_count(other.id) == 2

        # Opening it: the New line is above the remaining ping, the first of the two.
        threads.open_thread(other.id)
        assert threads.unread_count(other.id) == 0
        model = threads.messages
        qtbot.waitUntil(lambda: model.row_of(word) >= 0, timeout=TIMEOUT)
        assert model.first_unread == pings[1]
        assert [model.message_at(r).id for r in range(model.rowCount())] == [pings[1], word]
    finally:
        bob.close(wait_ms=3000)
        server.stop()


def test_a_deletion_lowers_the_count_without_a_local_store(qtbot, tmp_path, tasks) -> None:
    """The same rule with no local store (counted in memory only)."""
    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(backend.app()).start()
    api = ApiClient(server.url, TOKEN)
    other = api.create_thread("Other")
    try:
        state = ThreadsState(ApiClient(server.url, TOKEN), tasks, "bob")
        one = api.post_message(draft_with_text(other.id, "alice", "one"))
        two = api.post_message(draft_with_text(other.id, "alice", "two"))
        for message in (one, two, one):  # pushed, and one pushed again
            state.message_pushed(message)
        assert state.unread_count(other.id) == 2
        state.message_deleted(one.id)
        assert state.unread_count(other.id) == 1
        state.open_thread(other.id)
        assert state.messages.first_unread == two.id
        state.close()
    finally:
        server.stop()


def test_unread_messages_deleted_while_away_stop_counting_after_a_reset(
    qtbot, tmp_path, tasks
) -> None:
    """The server forgot the deletions (pruned) while bob was away, so it cannot replay
    them and sends a ``reset``: the open thread reloads, and so do the unread messages of
    the threads not open — the deleted one no longer counts."""
    import time

    backend, server, api, other, bob = _bob_listening(qtbot, tmp_path, tasks)
    try:
        gone = api.post_message(draft_with_text(other.id, "alice", "deleted while away")).id
        api.post_message(draft_with_text(other.id, "alice", "still here"))
        qtbot.waitUntil(lambda: bob.threads.unread_count(other.id) == 2, timeout=TIMEOUT)
        bob.threads.stop_live_sync()
        server.stop()
        qtbot.waitUntil(lambda: not bob.live.streaming, timeout=TIMEOUT)
        assert backend.store.delete_message(gone) is not None
        assert backend.store.prune_tombstones(int(time.time() * 1000) + 60_000) == 1
        server = ThreadedServer(backend.app(), port=server.port).start()
        qtbot.waitUntil(lambda: bob.live.streaming, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: bob.threads.unread_count(other.id) == 1, timeout=TIMEOUT)
    finally:
        bob.close(wait_ms=3000)
        server.stop()
