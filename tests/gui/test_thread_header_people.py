"""The conversation header names the people of a public thread from its messages as they
arrive — not the server's ``users`` of the thread, which is only whoever created it (with
the shared token, "root", who never posted)."""

from __future__ import annotations

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui.conversation_panel import ConversationPanel
from tests.conftest import TOKEN
from tests.gui.send_helpers import TIMEOUT, Client


def test_header_follows_who_posts(qtbot, server, tmp_path):
    api = ApiClient(server[0].url, TOKEN)
    thread = api.create_thread("Jam", ["root"])
    alice = Client(qtbot, server[0].url, tmp_path / "alice")
    try:
        alice.open(thread.id)
        recording = RecordingState(None, alice.outbox.files_dir / "rec")
        panel = ConversationPanel(alice.state, SequencerState(None), recording)
        qtbot.addWidget(panel)
        panel.resize(600, 500)
        panel.show()
        assert panel.subtitle.text() == "0 messages"
        for _ in range(6):
            api.create_message(thread.id, "bob", demo_pattern().to_snapshot())
        alice.state.refresh_messages()  # what polling does
        qtbot.waitUntil(lambda: panel.subtitle.text() == "6 messages · bob", timeout=TIMEOUT)
        api.create_message(thread.id, "cy", demo_pattern().to_snapshot())
        alice.state.refresh_messages()
        qtbot.waitUntil(lambda: panel.subtitle.text() == "7 messages · bob, cy", timeout=TIMEOUT)
        for name in ("dee", "eve", "fay"):
            api.create_message(thread.id, name, demo_pattern().to_snapshot())
        alice.state.refresh_messages()
        qtbot.waitUntil(
            lambda: panel.subtitle.text() == "10 messages · bob, cy, dee, eve +1", timeout=TIMEOUT
        )
        assert panel.subtitle.minimumSizeHint().width() == 0  # names never widen the panel
    finally:
        alice.close()
