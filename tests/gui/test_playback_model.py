"""The player's state of a row, on the list model, without any view: the real player
(wall clock), the real cache, a real download from our server on loopback. What the
delegate paints is these roles, so they must follow the player — and a 30 Hz position
tick must be one ``dataChanged`` on the playing row naming only the roles that moved."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool

from desktop_app.domain.message import Message, Render
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.message_roles import Roles
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher
from tests.server.helpers import pattern
from tests.tones import make_mp3

SNAP = pattern(bpm=120.0, steps_per_beat=4)
TICK_ROLES = {int(Roles.POSITION), int(Roles.POSITION_MS)}


class Rig:
    def __init__(self, tmp_path, api=None):
        self.pool = QThreadPool()
        self.tasks = TaskRunner(self.pool)
        self.cache = AudioCache(tmp_path / "cache")
        self.player = AudioPlayerState()
        self.model = MessageListModel("bob")
        self.fetcher = RenderFetcher(self.cache, self.tasks, api)
        self.controller = PlaybackController(self.player, self.fetcher)
        self.controller.set_model(self.model)
        self.changes: list[tuple[int, int, set[int]]] = []
        self.model.dataChanged.connect(
            lambda a, b, roles: self.changes.append((a.row(), b.row(), set(roles)))
        )

    def role(self, mid, role):
        return self.model.index(self.model.row_of(mid)).data(role)

    def close(self):
        self.player.stop()
        self.tasks.wait(5000)
        self.cache.close()


@pytest.fixture
def cached(qtbot, tmp_path):
    """Three rows, all cached."""
    rig = Rig(tmp_path)
    mp3 = make_mp3(tmp_path / "x.mp3", seconds=3.0)
    msgs = []
    for i in range(3):
        rig.cache.adopt(f"r{i}", mp3)
        render = Render(f"r{i}", "http://127.0.0.1:9/x", duration=3.0, peaks=(0.5,) * 40)
        msgs.append(Message(f"m{i}", "t", "alice", SNAP, f"2026-11-24T10:0{i}:00Z",
                            renders=(render,)))  # fmt: skip
    rig.model.set_messages(msgs)
    yield rig
    rig.close()


def test_playing_position_and_loop_are_roles_that_follow_the_player(qtbot, cached):
    rig = cached
    assert rig.role("m1", Roles.PLAYING) is False and rig.role("m1", Roles.LOADED) is False
    rig.controller.toggle("m1")
    qtbot.waitUntil(lambda: rig.role("m1", Roles.PLAYING) is True, timeout=3000)
    assert rig.role("m1", Roles.LOADED) is True
    qtbot.waitUntil(lambda: rig.role("m1", Roles.POSITION_MS) > 300, timeout=3000)
    assert 0 < rig.role("m1", Roles.POSITION) < 1
    # The knob moves along the file the player plays and seeks in (its decoded length);
    # the clock's total is the take's own length, the same on every machine.
    assert rig.role("m1", Roles.POSITION) == pytest.approx(
        rig.role("m1", Roles.POSITION_MS) / rig.player.duration
    )
    # Loop: one role on one row
    rig.changes.clear()
    rig.player.pause()
    qtbot.waitUntil(lambda: rig.role("m1", Roles.PLAYING) is False, timeout=1000)
    rig.changes.clear()
    rig.controller.toggle_loop("m1")
    assert rig.role("m1", Roles.LOOP) is True
    assert rig.changes == [(1, 1, {int(Roles.LOOP)})]
    # another row takes the player: the first row is no longer loaded
    rig.controller.toggle("m2")
    qtbot.waitUntil(lambda: rig.role("m2", Roles.PLAYING) is True, timeout=3000)
    assert rig.role("m1", Roles.LOADED) is False and rig.role("m1", Roles.POSITION_MS) == 0
    assert rig.role("m1", Roles.LOOP) is True  # the toggle belongs to the row


def test_a_tick_is_one_data_changed_on_the_playing_row(qtbot, cached):
    rig = cached
    rig.controller.toggle("m0")
    qtbot.waitUntil(lambda: rig.role("m0", Roles.POSITION_MS) > 200, timeout=3000)
    rig.changes.clear()
    qtbot.wait(400)  # about a dozen ticks at 30 Hz
    assert len(rig.changes) >= 5
    for top, bottom, roles in rig.changes:
        assert (top, bottom) == (0, 0)  # exactly one row, the playing one
        assert roles == TICK_ROLES  # only the roles whose values moved


def test_offline_marks_only_the_rows_that_cannot_play(qtbot, cached):
    rig = cached
    rig.cache.drop("r2")
    rig.changes.clear()
    rig.controller.set_online(False)
    assert rig.role("m2", Roles.NOT_DOWNLOADED) is True
    assert rig.role("m0", Roles.NOT_DOWNLOADED) is False  # cached: plays offline
    assert [c[:2] for c in rig.changes] == [(2, 2)]
    rig.controller.set_online(True)
    assert rig.role("m2", Roles.NOT_DOWNLOADED) is False


def test_download_progress_is_a_role_then_the_row_plays(qtbot, tmp_path, api):
    rig = Rig(tmp_path, api)
    try:
        thread = api.create_thread("jam")
        render = api.upload_audio(make_mp3(tmp_path / "long.mp3", seconds=20.0), duration=20.0)
        message = api.create_message(thread.id, "alice", SNAP)
        api.attach_render(message.id, render)
        rig.model.set_messages([api.get_message(message.id)])
        seen: list[float] = []
        rig.model.dataChanged.connect(
            lambda a, _b, roles: Roles.DOWNLOAD in roles and seen.append(a.data(Roles.DOWNLOAD))
        )
        rig.controller.toggle(message.id)
        assert rig.role(message.id, Roles.DOWNLOAD) == 0.0  # the press answers at once
        qtbot.waitUntil(lambda: rig.role(message.id, Roles.PLAYING) is True, timeout=10000)
        assert any(d is not None and 0 < d < 1 for d in seen)  # it moved on the way
        assert seen[-1] is None  # and ended when the file was there
        assert rig.role(message.id, Roles.DOWNLOAD) is None
    finally:
        rig.close()


def test_peaks_are_computed_when_a_view_first_asks_for_them(qtbot, tmp_path):
    """A cached render that came without peaks gets a waveform, decoded locally — but only
    once something paints its row (asks for the PEAKS role), never for rows off screen."""
    rig = Rig(tmp_path)
    try:
        mp3 = make_mp3(tmp_path / "x.mp3", seconds=1.0)
        rig.cache.adopt("r0", mp3)
        render = Render("r0", "http://127.0.0.1:9/x", duration=1.0)  # no peaks
        rig.model.set_messages([Message("m0", "t", "alice", SNAP, "2026-11-24T10:00:00Z",
                                        renders=(render,))])  # fmt: skip
        qtbot.wait(300)
        assert rig.cache.peaks("r0") is None  # nobody painted the row: no decode
        rig.changes.clear()
        assert rig.role("m0", Roles.PEAKS) is None  # the first paint asks...
        qtbot.waitUntil(lambda: rig.role("m0", Roles.PEAKS) is not None, timeout=5000)
        assert (0, 0, {int(Roles.PEAKS)}) in rig.changes  # ...and the row is told
        assert max(rig.role("m0", Roles.PEAKS)) > 0.1
        assert rig.cache.peaks("r0") is not None  # kept for the next start
    finally:
        rig.close()
