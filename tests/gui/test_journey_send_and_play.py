"""User journey "build → record → send → other user plays → delete", through two
real windows on one real server: ada paints a beat on the grid, records a take with the
Record button, stops and presses Send; bo's window shows the message with ada's name and
a player, bo presses its Play disc and hears it, presses Load and has ada's beat on his
grid; ada deletes the message from its right-click menu, confirming in the real dialog,
and it disappears from bo's thread too. Every click lands on what is painted."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY
from tests.gui.journeys import (
    TIMEOUT,
    band_practice,
    click_in_list,
    click_painted,
    grid_cells,
    lit,
    load_label,
    message_view,
    park_mouse,
    play_disc,
    record_button,
    row_rect,
    status_bar_text,
    transport_status,
)
from tests.gui.menu_driver import choose_from_next_menu
from tests.gui.modal_driver import ModalDriver


def _seconds(clock_text: str) -> float:
    """Seconds from the take clock, which reads "bars.beats · m:ss.s" while recording."""
    minutes, seconds = clock_text.rpartition(" · ")[2].split(":")
    return int(minutes) * 60 + float(seconds)


def test_build_record_send_play_load_delete(qtbot, tmp_path: Path, modals: ModalDriver) -> None:
    with band_practice(qtbot, tmp_path) as (api, _thread, ada, bo, _backend):
        # 1. Build: ada starts from an empty grid and clicks four pads where they are painted.
        ada.window.new_pattern_action.trigger()
        cells = grid_cells(ada)
        assert len(cells) >= 2 and len(cells[0]) >= 16, [len(r) for r in cells]
        wanted = [cells[0][0], cells[0][8], cells[1][4], cells[1][12]]
        viewport = ada.window.sequencer_panel.grid_scroll.viewport()
        for pad in wanted:
            click_painted(qtbot, viewport, pad.centre)
        assert all(lit(ada, pad) for pad in wanted)
        built = ada.sequencer_state.snapshot()
        assert sum(1 for t in built["tracks"] for v in t["steps"] if v) == 4

        # 2. Record: the red disc starts recording (and playback); the take clock runs.
        toolbar = ada.window.sequencer_panel.toolbar
        click_painted(qtbot, toolbar, record_button(ada))
        assert transport_status(ada) == "Recording…"
        clock = ada.window.sequencer_panel.transport.clock
        qtbot.waitUntil(lambda: _seconds(clock.text()) >= 2.0, timeout=TIMEOUT)
        click_painted(qtbot, toolbar, record_button(ada))  # the same place: now "stop"
        qtbot.waitUntil(
            lambda: transport_status(ada).startswith("Take ready to send"), timeout=TIMEOUT
        )
        assert re.match(r"Take ready to send · 320 kbps MP3, [\d.]+ MB", transport_status(ada))

        # 3. Send: the message is in ada's thread at once; the status says when it is sent.
        send = ada.window.conversation.send_button
        QTest.mouseClick(send, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(ada.threads_state.messages.ids()) == 1, timeout=TIMEOUT)
        (mid,) = ada.threads_state.messages.ids()
        qtbot.waitUntil(
            lambda: transport_status(ada) == "Take sent · ready to record", timeout=TIMEOUT
        )

        # 4. bo sees it arrive (live sync), with ada's name and a player.
        bo_model = bo.threads_state.messages
        qtbot.waitUntil(lambda: bo_model.ids() == [mid], timeout=TIMEOUT)
        qtbot.waitUntil(
            lambda: bo_model.index(0).data(Roles.RENDER_STATE) == RENDER_READY,
            timeout=TIMEOUT,
        )
        row = bo_model.index(0)
        assert row.data(Roles.USER) == "ada"
        assert row.data(Roles.SUMMARY_TEXT).startswith("120 BPM · 16 steps")
        assert not row.data(Roles.IS_OWN)

        # bo presses the Play disc painted on the row: the take is fetched and plays.
        park_mouse(qtbot, bo)
        click_in_list(qtbot, bo, play_disc(bo, mid).centre)
        player = bo.playback.player
        qtbot.waitUntil(lambda: player.is_playing and player.key == mid, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: bo_model.index(0).data(Roles.POSITION) > 0, timeout=TIMEOUT)
        render_id = bo_model.message(mid).renders[0].id
        assert bo.playback.cache.contains(render_id)  # downloaded once, plays from there
        click_in_list(qtbot, bo, play_disc(bo, mid).centre)  # the same disc pauses
        qtbot.waitUntil(lambda: not player.is_playing, timeout=TIMEOUT)

        # bo presses Load: ada's beat is on bo's grid, and the status bar says so.
        park_mouse(qtbot, bo)
        click_in_list(qtbot, bo, load_label(bo, mid).centre)
        assert status_bar_text(bo) == "Pattern loaded — Undo brings yours back"
        loaded = bo.sequencer_state.snapshot()
        assert [t["steps"] for t in loaded["tracks"]] == [t["steps"] for t in built["tracks"]]
        bo_pads = grid_cells(bo)  # the lit pads are no longer painted empty
        assert len(bo_pads[0]) == len(cells[0]) - 2

        # 5. ada deletes it: right-click on the row, "Delete message…", the real dialog.
        view = message_view(ada)
        centre = row_rect(ada, mid).center()
        chosen: list[str] = []
        choose_from_next_menu("Delete message…", chosen)
        modals.answer("Delete")
        event = QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, centre, view.viewport().mapToGlobal(centre)
        )
        QApplication.sendEvent(view.viewport(), event)
        assert "Delete message…" in chosen
        assert [(s.title, s.clicked) for s in modals.shown] == [("Delete message", "Delete")]
        assert "for everyone" in modals.shown[0].text
        assert ada.threads_state.messages.ids() == []
        qtbot.waitUntil(lambda: bo_model.ids() == [], timeout=TIMEOUT)
        qtbot.waitUntil(lambda: player.key == "", timeout=TIMEOUT)  # its player is gone
        assert api.list_messages(ada.threads_state.current_thread_id).messages == []
