"""Working while the server is away, through ThreadsState and the send queue against the
real server on loopback, stopped and restarted on the same port."""

from __future__ import annotations

from PySide6.QtCore import QThreadPool

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import Outbox
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.send_queue import SendQueue
from desktop_app.state.threads_state import ThreadsState
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN
from tests.gui.send_helpers import TIMEOUT, server_messages


class SlowRetryClient:
    """A client whose own reconnect timer waits a minute: whatever brings the status back
    sooner than that is not the timer."""

    def __init__(self, url: str, home) -> None:
        self.api = ApiClient(url, TOKEN, timeout=2.0)
        self.tasks = TaskRunner(QThreadPool())
        self.uploads = TaskRunner(QThreadPool())
        self.outbox = Outbox(home / "outbox.sqlite3", home / "outbox")
        self.queue = SendQueue(Delivery(self.api, self.outbox), self.uploads)
        self.state = ThreadsState(
            self.api, self.tasks, "alice", None, retry_delays=(60.0,), send_queue=self.queue
        )
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.queue.shutdown()
        self.state.stop_live_sync()
        self.tasks.wait(5000)
        self.uploads.wait(5000)
        self.outbox.close()


def test_status_clears_when_the_queue_delivers_before_the_next_retry(
    qtbot, server, thread_id, tmp_path
) -> None:
    """Issue 10 #7: "Offline … retrying in 20 s" stayed up after the server was back and
    the queued message had been delivered."""
    srv, backend = server
    client = SlowRetryClient(srv.url, tmp_path / "alice")
    state = client.state
    try:
        state.start()
        state.open_thread(thread_id)
        qtbot.waitUntil(lambda: not state.loading and state.is_connected, timeout=TIMEOUT)
        srv.stop()
        state.refresh_messages()  # the next poll notices
        qtbot.waitUntil(lambda: state.connection == "offline", timeout=TIMEOUT)
        assert "retrying in 60 s" in state.connection_text

        message_id = state.send_message_from_sequencer(demo_pattern().to_snapshot())
        qtbot.waitUntil(lambda: client.outbox.get(message_id) is not None, timeout=TIMEOUT)
        back = ThreadedServer(backend.app(), port=srv.port).start()
        try:
            # The queue's own backoff (about a second) delivers it, long before the state's
            # one-minute retry; the status follows the delivery.
            qtbot.waitUntil(lambda: client.outbox.pending() == [], timeout=TIMEOUT)
            qtbot.waitUntil(lambda: state.is_connected, timeout=3000)
            assert state.connection_text == "Connected"
            assert [m.id for m in server_messages(back.url, thread_id)] == [message_id]
        finally:
            client.close()
            back.stop()
    except BaseException:
        client.close()
        raise
