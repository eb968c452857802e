"""A queued own take looks playable, because it is: offline, sent before the send worker
copied the take into the outbox, its row still shows the normal play button (not the
greyed "Not downloaded" one) and its length, and the button found by its pixels plays it.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QThreadPool
from PySide6.QtWidgets import QApplication

from desktop_app.audio.mp3 import encode_mp3
from desktop_app.domain.message import Message, Render
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.message_roles import Roles
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher, recordings_in
from desktop_app.ui import theme
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.message_row_geometry import ROW_HEIGHT
from tests.gui.pixels import LEFT, NO_MOD, blobs, grab

SR = 44100
SNAP = {"bpm": 120.0, "length": 16, "steps_per_beat": 4, "tracks": []}


@pytest.fixture
def offline_list(qtbot, tmp_path):
    t = np.arange(SR * 3) / SR
    tone = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    take = tmp_path / "take.mp3"
    encode_mp3(np.stack([tone, tone], axis=1), SR, take, bitrate=128)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    cache = AudioCache(tmp_path / "cache")
    fetcher = RenderFetcher(cache, TaskRunner(QThreadPool()), own_recording=recordings_in(outbox))
    model = MessageListModel("bob")
    player = AudioPlayerState()
    controller = PlaybackController(player, fetcher)
    controller.set_model(model)
    controller.set_online(False)
    view = MessageListView()
    view.setModel(model)
    view.playRequested.connect(controller.toggle)
    qtbot.addWidget(view)
    view.resize(720, ROW_HEIGHT + 40)
    view.show()
    qtbot.waitExposed(view)
    yield view, model, player, take, outbox
    player.stop()
    cache.close()


def _play_disc_fill(view: MessageListView) -> QPoint | None:
    """The centre of a 28 px disc in the accent colour in the row's lower part, if any."""
    r = view.visualRect(view.model().index(0, 0))
    lower = QRect(r.left(), r.bottom() - 52, r.width(), 52)
    found = [b for b in blobs(grab(view.viewport()), theme.ACCENT, lower)
             if 24 <= b.width <= 32 and 24 <= b.height <= 32]  # fmt: skip
    return found[0].centre if len(found) == 1 else None


def test_a_queued_own_take_shows_a_playable_player_offline(qtbot, offline_list):
    view, model, player, take, outbox = offline_list
    message = Message("q1", "t", "bob", SNAP, "2026-11-24T10:00:00Z")
    stand_in = Render("take-q1", take.as_uri(), duration=3.0, peaks=(0.4,) * 40)
    # Shown at once, before the worker has put the take into the outbox ...
    model.upsert_message(message, pending=True, take=stand_in)
    # ... which it then does, and the queue reports the entry again.
    shutil.copyfile(take, outbox / "q1.mp3")
    model.upsert_message(message, pending=True, take=stand_in)
    qtbot.mouseMove(view.viewport(), QPoint(2, view.viewport().height() - 2))
    QApplication.processEvents()
    index = model.index(0, 0)
    assert not index.data(Roles.NOT_DOWNLOADED)
    assert index.data(Roles.DURATION) == pytest.approx(3.0)
    disc = _play_disc_fill(view)
    assert disc is not None, "no normal (accent) play button on the queued take"
    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, disc)
    qtbot.waitUntil(lambda: player.is_playing and player.key == "q1", timeout=3000)
