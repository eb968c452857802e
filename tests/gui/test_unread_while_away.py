"""Others' messages that arrive while this client does not listen — the app closed, or its
session started again after the embedded server restarted — count as unread once it is
back, as in any chat app. The event stream of a new session starts from "now", so they
came neither as events nor as news to the open thread: the thread list said only that
the threads had moved. Real server on 127.0.0.1, real sessions with their local store."""

from __future__ import annotations

from desktop_app.domain.draft import draft_with_text
from desktop_app.services.api import ApiClient
from desktop_app.state.server_session import ServerSession
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.send_helpers import TIMEOUT
from tests.gui.test_live_events import _session


def _listening(qtbot, session: ServerSession, open_id: str) -> None:
    session.open()
    session.start()
    session.threads.open_thread(open_id)
    qtbot.waitUntil(lambda: session.live.streaming, timeout=TIMEOUT)


def test_messages_sent_while_the_app_was_closed_count_as_unread(qtbot, tmp_path, tasks) -> None:
    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(backend.app()).start()
    alice = ApiClient(server.url, TOKEN)
    takes = alice.create_thread("Takes")
    other = alice.create_thread("Other")
    alice.post_message(draft_with_text(other.id, "alice", "seen before"))
    bob = _session(server.url, tmp_path / "bob", tasks, "bob")
    try:
        _listening(qtbot, bob, takes.id)
        qtbot.waitUntil(lambda: bob.threads.thread_by_id(other.id) is not None, timeout=TIMEOUT)
        qtbot.wait(500)
        assert bob.threads.unread_count(other.id) == 0  # there before bob: not news
    finally:
        bob.close(wait_ms=3000)

    # bob is away: alice writes in "Other" and starts a thread of her own.
    alice.post_message(draft_with_text(other.id, "alice", "while you were away"))
    fresh = alice.create_thread("Fresh")
    alice.post_message(draft_with_text(fresh.id, "alice", "a new thread"))
    alice.post_message(draft_with_text(fresh.id, "alice", "and more"))

    bob = _session(server.url, tmp_path / "bob", tasks, "bob")
    try:
        _listening(qtbot, bob, takes.id)
        threads = bob.threads
        qtbot.waitUntil(lambda: threads.unread_count(other.id) == 1, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: threads.unread_count(fresh.id) == 2, timeout=TIMEOUT)
        # Counted once: later thread lists and events bring nothing twice.
        alice.post_message(draft_with_text(other.id, "alice", "and now live"))
        qtbot.waitUntil(lambda: threads.unread_count(other.id) == 2, timeout=TIMEOUT)
        threads.refresh_threads()
        qtbot.wait(800)
        assert threads.unread_count(other.id) == 2 and threads.unread_count(fresh.id) == 2
    finally:
        bob.close(wait_ms=3000)
        server.stop()
