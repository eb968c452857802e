"""The conversation header of a private thread that records no creator nor members: one
made with the shared token (old ones and new). It read "Private · members: you" on every
screen that showed it, also to an admin account that never made it; it says who sees it.
A private thread from before creators were recorded reads as any other."""

from __future__ import annotations

from desktop_app.services.api import ApiClient
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui.conversation_panel import ConversationPanel
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend
from tests.gui.send_helpers import TIMEOUT, Client


def test_a_private_thread_without_creator_says_who_sees_it(qtbot, tmp_path):
    backend = make_backend("sqlite-local", tmp_path / "server")
    ada = add_user(backend.store, "ada", admin=True)  # type: ignore[arg-type]
    add_user(backend.store, "bo")  # type: ignore[arg-type]
    old = {  # written before the server recorded ``created_by``
        "id": "0" * 32, "name": "Old secrets", "users": ["ada", "bo"], "private": True,
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
    }  # fmt: skip
    backend.store.create_thread(old)  # type: ignore[attr-defined]
    with ThreadedServer(backend.app()) as running:
        nobody = ApiClient(running.url, TOKEN).create_private_thread("Service notes", [])
        client = Client(qtbot, running.url, tmp_path / "ada", user="ada")
        client.api.token = ada  # (before its first request) ada's own token
        try:
            client.open(nobody.id)
            panel = ConversationPanel(
                client.state, SequencerState(None), RecordingState(None, tmp_path / "rec")
            )
            qtbot.addWidget(panel)
            panel.resize(700, 500)
            panel.show()
            assert panel.subtitle.text() == (
                "0 messages · Private · no members — the server's admins see it"
            )
            client.state.open_thread(old["id"])
            qtbot.waitUntil(lambda: panel.title.text() == "Old secrets", timeout=TIMEOUT)
            assert panel.subtitle.text() == "0 messages · Private · members: you, bo"
        finally:
            client.close()
