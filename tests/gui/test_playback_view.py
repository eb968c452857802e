"""The message list wired to the PlaybackController, as the window wires it: clicks on the
painted player, the keyboard, scrubbing, the Loop toggle, and a drag out of a row."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QThreadPool
from PySide6.QtCore import Qt as QtNS
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from desktop_app.domain.message import Message, Render
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher
from desktop_app.ui import render_player, theme
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.message_row_audio import player_look
from desktop_app.ui.message_row_geometry import row_layout
from tests.gui.tones import write_tone_mp3

SNAP = {"bpm": 120.0, "length": 16, "steps_per_beat": 4, "tracks": []}


@pytest.fixture
def wired(qtbot, tmp_path):
    write_tone_mp3(tmp_path / "x.mp3")
    cache = AudioCache(tmp_path / "cache")
    msgs = []
    for i in range(2):
        cache.adopt(f"r{i}", tmp_path / "x.mp3")
        render = Render(f"r{i}", "http://127.0.0.1:9/x", duration=3.0, peaks=(0.5,) * 40)
        msgs.append(Message(f"m{i}", "t", "alice", SNAP, f"2026-11-24T10:0{i}:00Z",
                            renders=(render,)))  # fmt: skip
    model = MessageListModel("bob")
    model.set_messages(msgs)
    player = AudioPlayerState()
    controller = PlaybackController(player, RenderFetcher(cache, TaskRunner(QThreadPool())))
    controller.set_model(model)
    view = MessageListView()
    view.setModel(model)
    view.playRequested.connect(controller.toggle)
    view.seekRequested.connect(controller.seek)
    view.loopRequested.connect(controller.toggle_loop)
    view.seekByRequested.connect(controller.seek_by)
    view.resize(720, 300)
    qtbot.addWidget(view)
    view.show()
    yield view, controller, player
    player.stop()
    cache.close()


def player_point(view, row, area):
    rect = view.visualRect(view.model().index(row, 0))
    lay = render_player.player_layout(row_layout(rect).render)
    return {"play": lay.play, "seek": lay.seek, "loop": lay.loop}[area].center().toPoint()


def test_click_play_keys_loop_and_scrub(qtbot, wired):
    view, controller, player = wired
    qtbot.mouseClick(view.viewport(), QtNS.MouseButton.LeftButton,
                     pos=player_point(view, 0, "play"))  # fmt: skip
    qtbot.waitUntil(lambda: player.is_playing and player.key == "m0", timeout=3000)
    # Space pauses the current row, Right jumps a bar (2 s at 120 BPM), Left back
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.keyClick(view, QtNS.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=1000)
    qtbot.keyClick(view, QtNS.Key.Key_Right)
    assert player.position >= 1900
    qtbot.keyClick(view, QtNS.Key.Key_Left)
    assert player.position <= 100
    # Loop toggle on the row
    qtbot.mouseClick(view.viewport(), QtNS.MouseButton.LeftButton,
                     pos=player_point(view, 0, "loop"))  # fmt: skip
    assert controller.row("m0").loop and player.loop
    # scrubbing: press on the seek bar and drag; the player follows the mouse
    seek = player_point(view, 0, "seek")
    qtbot.mousePress(view.viewport(), QtNS.MouseButton.LeftButton, pos=seek)
    assert abs(player.position - 1500) < 150
    rect = view.visualRect(view.model().index(0, 0))
    lay = render_player.player_layout(row_layout(rect).render)
    right = QPoint(int(lay.seek.left() + lay.seek.width() * 0.8), seek.y())
    qtbot.mouseMove(view.viewport(), right)
    qtbot.waitUntil(lambda: abs(player.position - 2400) < 150, timeout=1000)
    qtbot.mouseRelease(view.viewport(), QtNS.MouseButton.LeftButton, pos=right)
    # the other row: one render at a time
    qtbot.mouseClick(view.viewport(), QtNS.MouseButton.LeftButton,
                     pos=player_point(view, 1, "play"))  # fmt: skip
    qtbot.waitUntil(lambda: player.key == "m1" and player.is_playing, timeout=3000)
    assert not controller.row("m0").loaded


def test_drag_out_is_requested_from_the_play_button(qtbot, wired):
    view, _controller, _player = wired
    dragged = []
    view.dragRequested.connect(dragged.append)
    start = player_point(view, 1, "play")
    qtbot.mousePress(view.viewport(), QtNS.MouseButton.LeftButton, pos=start)
    # QTest's mouseMove carries no buttons; send a real move with the left button held
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent

    end = QPointF(start + QPoint(40, 0))
    move = QMouseEvent(QEvent.Type.MouseMove, end, view.viewport().mapToGlobal(end),
                       QtNS.MouseButton.NoButton, QtNS.MouseButton.LeftButton,
                       QtNS.KeyboardModifier.NoModifier)  # fmt: skip
    view.mouseMoveEvent(move)
    assert dragged == ["m1"]


def test_row_paints_player_states(qtbot, wired):
    view, controller, player = wired
    controller.toggle("m0")
    qtbot.waitUntil(lambda: player.position > 300, timeout=3000)
    index = view.model().index(0, 0)
    look = player_look(index)
    assert look.loaded and look.playing and 0 < look.fraction < 1 and look.bpm == 120.0
    img = QImage(720, 118, QImage.Format.Format_ARGB32)
    img.fill(0)
    opt = QStyleOptionViewItem()
    opt.rect = img.rect()
    p = QPainter(img)
    view.delegate.paint(p, opt, index)
    p.end()
    lay = render_player.player_layout(row_layout(img.rect()).render)
    knob = QPointF(lay.wave.left() + lay.wave.width() * look.fraction, lay.wave.center().y())
    colour = img.pixelColor(knob.toPoint())
    assert colour.name() in (theme.ACCENT, theme.ACCENT_BRIGHT)  # the 6 px knob, accent
    controller.set_online(False)
    other = player_look(view.model().index(1, 0))
    assert not other.not_downloaded  # cached: plays offline


def test_deleting_the_playing_message_stops_it_but_moving_it_does_not(qtbot, wired):
    """Its author deletes a message while someone listens: the row — its only pause button
    — goes, so the sound must stop too. A row that only moves (a new timestamp) plays on."""
    view, controller, player = wired
    model = view.model()
    controller.toggle("m0")
    qtbot.waitUntil(lambda: player.is_playing and player.key == "m0", timeout=3000)
    moved = model.message("m0")
    model.upsert_message(
        Message(
            moved.id,
            moved.parent_thread,
            moved.user_id,
            moved.snapshot,
            "2026-11-24T10:09:00Z",
            renders=moved.renders,
        )
    )
    assert model.ids() == ["m1", "m0"]
    qtbot.wait(50)
    assert player.is_playing and player.key == "m0"
    model.remove_message("m1")  # another row: nothing changes for the player
    qtbot.wait(50)
    assert player.is_playing and player.key == "m0"
    model.remove_message("m0")
    qtbot.waitUntil(lambda: player.key == "" and not player.is_playing, timeout=1000)
