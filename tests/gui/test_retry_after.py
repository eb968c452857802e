"""The server's Retry-After is honoured, against the real server's own limits: a message
over MESSAGES_PER_MINUTE waits as long as the 429 says (it was retried after about a
second, and again, each try counted against the same limit), the network coming back
does not send it early, and the status line says when it goes; a poll refused with 429
(too many failed token checks from this address) pauses the polling until the time the
server gave, instead of retrying in 2 s."""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

from PySide6.QtCore import QThreadPool

from desktop_app.domain.draft import draft_with_text
from desktop_app.services.api import ApiClient, AuthError
from desktop_app.services.connection import ServerConnection
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.server_session import ServerSession, SessionFiles
from desktop_app.state.threads_state import ThreadsState
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend
from tests.requests_heard import RequestsHeard

TIMEOUT = 10_000
WHEN = re.compile(r"again at \d\d:\d\d:\d\d")


def test_a_message_over_the_rate_limit_waits_as_long_as_the_server_says(qtbot, tmp_path: Path):
    backend = make_backend("sqlite-local", tmp_path / "server", MESSAGES_PER_MINUTE="1")
    ada = add_user(backend.store, "ada")  # type: ignore[arg-type]
    heard = RequestsHeard(backend.app())
    with ThreadedServer(heard) as running:
        thread = ApiClient(running.url, TOKEN).create_thread("Jam")
        tasks = TaskRunner(QThreadPool())
        home = tmp_path / "client"
        api = ApiClient(running.url, ada, timeout=5.0)
        session = ServerSession(
            ServerConnection(api, running.url, "t", None, "ada"),
            "ada", SessionFiles(None, home / "outbox.sqlite3", home / "outbox"), tasks,
            retry_delays=(0.1,),
        )  # fmt: skip
        state = session.open()
        statuses: dict[str, list[str]] = {}
        state.sendStatus.connect(lambda mid, s: statuses.setdefault(mid, []).append(s))
        said: list[str] = []
        state.error.connect(said.append)
        try:
            first = session.send(draft_with_text(thread.id, "ada", "one"))
            qtbot.waitUntil(lambda: "sent" in statuses.get(first, []), timeout=TIMEOUT)
            second = session.send(draft_with_text(thread.id, "ada", "two"))
            qtbot.waitUntil(lambda: "held" in statuses.get(second, []), timeout=TIMEOUT)
            asked_at = time.time()

            entry = session.outbox.get(second)
            assert (
                entry is not None and entry.last_error and "Too many messages" in entry.last_error
            )
            told = int(re.search(r"try again in (\d+) s", entry.last_error).group(1))  # type: ignore[union-attr]
            assert told >= 50
            assert entry.next_attempt_at - asked_at >= told - 3, "retried before the server said"
            assert said and WHEN.search(said[-1]), said  # the status line says when
            assert "will send the message again" in said[-1]

            posts = len(heard.paths("POST", "/api/v1/messages"))
            session.network_back()  # the server answers again: not a reason to send now
            qtbot.wait(1500)
            again = session.outbox.get(second)
            assert again is not None and again.next_attempt_at == entry.next_attempt_at
            assert len(heard.paths("POST", "/api/v1/messages")) == posts
            assert statuses[second][-1] == "held"
        finally:
            session.close(wait_ms=3000)
            tasks.wait(3000)


def test_a_refused_poll_waits_as_long_as_the_server_says(qtbot, tmp_path: Path):
    backend = make_backend("sqlite-local", tmp_path / "server")
    heard = RequestsHeard(backend.app())
    with ThreadedServer(heard) as running:
        tasks = TaskRunner(QThreadPool())
        state = ThreadsState(ApiClient(running.url, TOKEN, timeout=5.0), tasks, "ada",
                             retry_delays=(0.1,))  # fmt: skip
        try:
            state.start()
            qtbot.waitUntil(lambda: state.connection_text == "Connected", timeout=TIMEOUT)
            guesser = ApiClient(running.url, "not-the-token")
            for _ in range(20):  # what a token guesser at this address does: 429 for a minute
                with contextlib.suppress(AuthError):
                    guesser.list_threads()
            state.refresh_threads()  # the thread-list poll
            qtbot.waitUntil(lambda: "Server busy" in state.connection_text, timeout=TIMEOUT)
            assert WHEN.search(state.connection_text), state.connection_text
            asked = len(heard.requests)
            qtbot.wait(2000)  # our own schedule would have tried again 20 times by now
            assert heard.requests[asked:] == []
            assert "Server busy" in state.connection_text
        finally:
            state.close()
            tasks.wait(3000)
