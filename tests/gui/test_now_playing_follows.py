"""The status bar's now-playing control names the thread of what plays as it is called
now: a rename elsewhere shows (it said "in Welcome" after the thread was renamed
"Rehearsal jams"), and a message deleted while it plays in another thread stops and the
control goes. Real app, real server on 127.0.0.1, the thread renamed and the message
deleted by another client."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.services.api import ApiClient
from desktop_app.state.message_roles import Roles
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.journeys import TIMEOUT, play_disc, running
from tests.gui.test_journey_drag_out import _post_take
from tests.gui.test_journey_live import _click_thread


def test_now_playing_follows_a_rename_and_stops_when_the_message_goes(
    qtbot, tmp_path: Path
) -> None:
    server = ThreadedServer(make_backend("sqlite-local", tmp_path / "srv").app()).start()
    api = ApiClient(server.url, TOKEN)
    welcome = api.create_thread("Welcome")
    mid, _ = _post_take(api, welcome.id, tmp_path)
    other = api.create_thread("Other")
    try:
        with running(qtbot, tmp_path / "ada", server.url, "ada") as ada:
            state = ada.threads_state
            qtbot.waitUntil(lambda: state.current_thread_id == other.id, timeout=TIMEOUT)
            _click_thread(qtbot, ada, welcome.id)
            model = state.messages
            qtbot.waitUntil(lambda: model.row_of(mid) >= 0, timeout=TIMEOUT)
            qtbot.waitUntil(
                lambda: model.index(model.row_of(mid)).data(Roles.RENDERS) != (), timeout=TIMEOUT
            )
            view = ada.window.conversation.messages
            qtbot.mouseClick(
                view.viewport(), Qt.MouseButton.LeftButton, pos=play_disc(ada, mid).centre
            )
            player = ada.playback.player
            qtbot.waitUntil(lambda: player.is_playing and player.key == mid, timeout=TIMEOUT)
            _click_thread(qtbot, ada, other.id)
            qtbot.waitUntil(lambda: state.current_thread_id == other.id, timeout=TIMEOUT)
            bar = ada.now_playing
            assert " in Welcome" in bar.text
            player.pause()  # paused, the bar still has to follow (no clock ticks)
            qtbot.waitUntil(lambda: not player.is_playing, timeout=TIMEOUT)

            api.rename_thread(welcome.id, "Rehearsal jams")
            qtbot.waitUntil(lambda: " in Rehearsal jams" in bar.text, timeout=TIMEOUT)
            assert "Welcome" not in bar.text and bar.isVisible()

            player.resume()
            qtbot.waitUntil(lambda: player.is_playing, timeout=TIMEOUT)
            api.delete_message(mid)
            qtbot.waitUntil(lambda: player.key == "" and not bar.isVisible(), timeout=TIMEOUT)
    finally:
        server.stop()
