"""Who "you" are, learned from the server during a session: a start that could not ask
(offline, nothing remembered) knows only the name in Settings. Once the server names the
token, the rows on screen change their "you" marks at once — they kept the old marks
until the next start."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.message_roles import Roles
from desktop_app.state.server_session import ServerSession, SessionFiles
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend

TIMEOUT = 10_000


def _own_marks(model) -> dict[str, bool]:
    return {
        model.index(r).data(Roles.ID): bool(model.index(r).data(Roles.IS_OWN))
        for r in range(model.rowCount())
    }


def test_rows_are_marked_yours_once_the_server_names_the_token(qtbot, tmp_path: Path):
    backend = make_backend("sqlite-local", tmp_path / "server")
    ben = add_user(backend.store, "Ben")  # type: ignore[arg-type]
    with ThreadedServer(backend.app()) as running:
        admin = ApiClient(running.url, TOKEN)
        thread = admin.create_thread("Jam")
        posted = [
            admin.create_message(thread.id, who, demo_pattern().to_snapshot())
            for who in ("Ben", "cy", "Ben")
        ]
        tasks = TaskRunner(QThreadPool())
        home = tmp_path / "client"
        # What a start without the server leaves: no name from /me, Settings' "Benny".
        connection = ServerConnection(ApiClient(running.url, ben, timeout=5.0), running.url, "t")
        session = ServerSession(
            connection, "Benny", SessionFiles(None, home / "outbox.sqlite3", home / "outbox"),
            tasks, retry_delays=(0.1,),
        )  # fmt: skip
        state = session.open()
        try:
            state.start()
            state.open_thread(thread.id)
            model = state.messages
            qtbot.waitUntil(lambda: model.rowCount() == 3 and not state.loading, timeout=TIMEOUT)
            assert not any(_own_marks(model).values())

            changed: list[tuple[int, list[int]]] = []
            model.dataChanged.connect(
                lambda top, bottom, roles: changed.extend(
                    (row, list(roles)) for row in range(top.row(), bottom.row() + 1)
                )
            )
            session.start()  # the server answers: it is asked who the token is
            qtbot.waitUntil(lambda: state.user_id == "Ben", timeout=TIMEOUT)
            marks = _own_marks(model)
            assert marks == {posted[0].id: True, posted[1].id: False, posted[2].id: True}
            bens_rows = {model.row_of(posted[0].id), model.row_of(posted[2].id)}
            told = {row for row, roles in changed if int(Roles.IS_OWN) in roles}
            assert bens_rows <= told, "the views were not told the rows changed"
            assert model.row_of(posted[1].id) not in told
            assert connection.user_name == "Ben"
        finally:
            session.close(wait_ms=3000)
            tasks.wait(3000)
