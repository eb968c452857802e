"""Two apps join one server through File → Join a server… with their own invites: each
sees the other's name on the messages, is "you" only on its own, and can delete only
its own (the menu does not offer the others', and the server refuses them anyway)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient, PermanentApiError
from desktop_app.settings import Settings
from desktop_app.state.message_roles import Roles
from desktop_app.ui.join_dialog import JoinDialog
from sequencer_server.invite import Invite, format_invite
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend
from tests.gui.join_helpers import click_join

TIMEOUT = 15000


@pytest.fixture
def band(tmp_path: Path):
    """A shared server with two users and one thread; yields (url, {name: invite})."""
    from sequencer_server.threaded import ThreadedServer

    backend = make_backend("sqlite-local", tmp_path)
    tokens = {name: add_user(backend.store, name) for name in ("ada", "bo")}  # type: ignore[arg-type]
    with ThreadedServer(backend.app()) as running:
        thread = ApiClient(running.url, TOKEN).create_thread("Rehearsal")
        invites = {n: format_invite(Invite(running.url, t)) for n, t in tokens.items()}
        yield running.url, thread.id, invites


def joined_app(qtbot, home: Path, url: str, invite: str) -> AppGraph:
    paths = AppPaths.under(home).ensure()
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"
    settings.user_name = "shared-laptop"  # what the window had before joining
    graph = AppGraph(paths, settings)
    qtbot.addWidget(graph.window)
    graph.start()
    graph.window.join_action.trigger()
    dialog = graph.window.findChild(JoinDialog)
    assert dialog is not None and dialog.isVisible()
    click_join(qtbot, dialog, invite)
    qtbot.waitUntil(lambda: graph.connection.url == url, timeout=TIMEOUT)
    return graph


def test_two_bandmates_see_each_others_names_and_delete_only_their_own(
    qtbot, tmp_path, band, modals
):
    url, thread_id, invites = band
    ada = joined_app(qtbot, tmp_path / "ada", url, invites["ada"])
    bo = joined_app(qtbot, tmp_path / "bo", url, invites["bo"])
    try:
        assert ada.session.user_id == "ada" and bo.session.user_id == "bo"
        for graph in (ada, bo):
            graph.threads_state.open_thread(thread_id)
        ada.window.conversation.send()
        on_server = ApiClient(url, TOKEN)
        count = lambda: len(on_server.list_messages(thread_id).messages)  # noqa: E731
        qtbot.waitUntil(lambda: count() == 1, timeout=TIMEOUT)
        bo.window.conversation.send()
        qtbot.waitUntil(lambda: count() == 2, timeout=TIMEOUT)

        def authors(graph: AppGraph) -> list[tuple[str, bool]]:
            model = graph.threads_state.messages
            return [
                (model.index(r).data(Roles.USER), model.index(r).data(Roles.IS_OWN))
                for r in range(model.rowCount())
            ]

        for graph in (ada, bo):
            graph.threads_state.refresh_messages()
        qtbot.waitUntil(lambda: authors(ada) == [("ada", True), ("bo", False)], timeout=TIMEOUT)
        qtbot.waitUntil(lambda: authors(bo) == [("ada", False), ("bo", True)], timeout=TIMEOUT)

        model = bo.threads_state.messages
        theirs, mine = (model.message_at(r).id for r in range(2))
        panel = bo.window.conversation
        labels = [a.text() for a in panel.message_menu(theirs).actions()]
        assert "Delete message…" not in labels
        assert "Delete message…" in [a.text() for a in panel.message_menu(mine).actions()]
        with pytest.raises(PermanentApiError) as refused:
            bo.connection.api.delete_message(theirs)
        assert refused.value.status == 403
        del refused

        modals.answer("Delete")
        panel.delete_message(mine)
        assert [s.clicked for s in modals.shown] == ["Delete"]
        ada.threads_state.refresh_messages()
        qtbot.waitUntil(lambda: authors(ada) == [("ada", True)], timeout=TIMEOUT)
    finally:
        for graph in (ada, bo):
            graph.window.close()
            graph.shutdown()


def test_you_is_who_the_token_is_and_the_settings_name_only_for_a_shared_token(
    qtbot, tmp_path, band
):
    url, _thread_id, invites = band
    for home, token, expected in (
        ("own", invites["ada"].split("token=")[1], "ada"),
        ("shared", TOKEN, "shared-laptop"),  # the service token: the server cannot say
    ):
        paths = AppPaths.under(tmp_path / home).ensure()
        settings = Settings.open(paths.settings_file)
        settings.welcome_thread_id = "done-before"
        settings.user_name = "shared-laptop"
        settings.server_url, settings.api_token = url, token
        graph = AppGraph(paths, settings)
        try:
            assert graph.session.user_id == expected
        finally:
            graph.shutdown()
