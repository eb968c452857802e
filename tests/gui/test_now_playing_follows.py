"""The status bar's now-playing control names the thread of what plays as it is called
now: a rename elsewhere shows (it said "in Welcome" after the thread was renamed
"Rehearsal jams"), and a message deleted while it plays in another thread stops and the
control goes. Real app, real server on 127.0.0.1, the thread renamed and the message
deleted by another client."""

from __future__ import annotations

from pathlib import Path

from tests.gui.journeys import TIMEOUT
from tests.gui.test_journey_live import _click_thread, playing_a_take


def test_now_playing_follows_a_rename_and_stops_when_the_message_goes(
    qtbot, tmp_path: Path
) -> None:
    with playing_a_take(qtbot, tmp_path, "Welcome") as take:
        ada, api, mid = take.ada, take.api, take.mid
        state, player = ada.threads_state, ada.playback.player
        _click_thread(qtbot, ada, take.other_id)
        qtbot.waitUntil(lambda: state.current_thread_id == take.other_id, timeout=TIMEOUT)
        bar = ada.now_playing
        assert " in Welcome" in bar.text
        player.pause()  # paused, the bar still has to follow (no clock ticks)
        qtbot.waitUntil(lambda: not player.is_playing, timeout=TIMEOUT)

        api.rename_thread(take.thread_id, "Rehearsal jams")
        qtbot.waitUntil(lambda: " in Rehearsal jams" in bar.text, timeout=TIMEOUT)
        assert "Welcome" not in bar.text and bar.isVisible()

        player.resume()
        qtbot.waitUntil(lambda: player.is_playing, timeout=TIMEOUT)
        api.delete_message(mid)
        qtbot.waitUntil(lambda: player.key == "" and not bar.isVisible(), timeout=TIMEOUT)
