"""PlaybackController end to end: real server on loopback, real cache folder, real player
(wall clock). Cache miss → download with progress → plays; hit plays at once; a damaged
cached file is reported on its row and dropped; offline start with the server stopped
plays what is cached and marks the rest as not downloaded."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QThreadPool

from desktop_app.audio.mp3 import encode_mp3
from desktop_app.services.api import ApiClient
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.local_store import LocalStore
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.connection_status import OFFLINE
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.playback_controller import NOT_DOWNLOADED, PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher
from desktop_app.state.threads_state import ThreadsState
from tests.conftest import TOKEN, make_backend

SR = 44100
SNAPSHOT = {"format": "sequencer.pattern", "version": "0.0.1", "bpm": 120.0, "length": 16,
            "steps_per_beat": 4, "tracks": []}  # fmt: skip


def make_mp3(path, seconds=1.0, freq=330.0):
    t = np.arange(int(SR * seconds)) / SR
    tone = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    encode_mp3(np.stack([tone, tone], axis=1), SR, path, bitrate=128)
    return path


def post(api, thread_id, path, *, peaks=True):
    render = api.upload_audio(path, bitrate=128, duration=1.0, peaks=[0.5] * 50 if peaks else None)
    message = api.create_message(thread_id, "alice", SNAPSHOT)
    api.attach_render(message.id, render)
    return api.get_message(message.id)


class Rig:
    def __init__(self, qtbot, tmp_path, api):
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(2)
        self.tasks = TaskRunner(self.pool)
        self.cache = AudioCache(tmp_path / "audio_cache")
        self.player = AudioPlayerState()
        self.model = MessageListModel("bob")
        self.controller = PlaybackController(
            self.player, RenderFetcher(self.cache, self.tasks, api)
        )
        self.controller.set_model(self.model)
        self.changed: list[str] = []
        self.controller.rowChanged.connect(self.changed.append)

    def close(self):
        self.player.stop()
        self.tasks.wait(5000)
        self.cache.close()


@pytest.fixture
def rig(qtbot, tmp_path, api):
    r = Rig(qtbot, tmp_path, api)
    yield r
    r.close()


def test_miss_downloads_with_progress_then_plays_and_hit_is_instant(qtbot, rig, api, tmp_path):
    thread = api.create_thread("jam")
    m1 = post(api, thread.id, make_mp3(tmp_path / "a.mp3"))
    m2 = post(api, thread.id, make_mp3(tmp_path / "b.mp3", freq=440))
    rig.model.set_messages([m1, m2])
    c = rig.controller
    assert not c.row(m1.id).available
    downloads = []
    c.rowChanged.connect(lambda mid: downloads.append(c.row(mid).download))
    c.toggle(m1.id)
    assert c.row(m1.id).download is not None and c.row(m1.id).autoplay
    qtbot.waitUntil(lambda: rig.player.is_playing and rig.player.key == m1.id, timeout=5000)
    assert any(d is not None and d > 0 for d in downloads)
    row = c.row(m1.id)
    assert row.available and row.loaded and row.playing and row.download is None
    assert rig.cache.contains(m1.renders[0].id)
    qtbot.waitUntil(lambda: rig.model.row_state(m1.id).position > 0.1, timeout=3000)
    assert rig.model.row_state(m1.id).playing
    # toggle pauses, toggle again resumes
    c.toggle(m1.id)
    qtbot.waitUntil(lambda: not rig.player.is_playing, timeout=1000)
    assert not c.row(m1.id).playing and c.row(m1.id).loaded
    c.toggle(m1.id)
    qtbot.waitUntil(lambda: rig.player.is_playing, timeout=1000)
    # another row: the first stops (one render at a time)
    c.toggle(m2.id)
    qtbot.waitUntil(lambda: rig.player.key == m2.id and rig.player.is_playing, timeout=5000)
    assert not c.row(m1.id).loaded and not rig.model.row_state(m1.id).playing
    # cached now: playing m1 again needs no download at all
    c.fetcher.set_api(None)
    c.toggle(m1.id)
    assert rig.player.key == m1.id
    qtbot.waitUntil(lambda: rig.player.is_playing, timeout=2000)


def test_seek_on_idle_row_starts_there_and_seek_by(qtbot, rig, api, tmp_path):
    thread = api.create_thread("jam")
    m = post(api, thread.id, make_mp3(tmp_path / "long.mp3", seconds=3.0))
    rig.model.set_messages([m])
    rig.controller.seek(m.id, 0.5)
    qtbot.waitUntil(lambda: rig.player.is_playing and rig.player.position >= 400, timeout=5000)
    rig.controller.seek(m.id, 0.1)
    assert rig.player.position < 600
    rig.controller.seek_by(m.id, 5.0)  # clamps at the end
    assert rig.player.position >= 2500


def test_loop_toggle_is_per_row(qtbot, rig, api, tmp_path):
    thread = api.create_thread("jam")
    m = post(api, thread.id, make_mp3(tmp_path / "a.mp3", seconds=0.5))
    rig.model.set_messages([m])
    rig.controller.toggle_loop(m.id)
    assert rig.controller.row(m.id).loop
    rig.controller.toggle(m.id)
    qtbot.waitUntil(lambda: rig.player.is_playing, timeout=5000)
    assert rig.player.loop
    wraps: list[int] = []
    last = [rig.player.position]

    def went_round(position: int) -> None:
        if position < last[0] - 200:
            wraps.append(position)
        last[0] = position

    rig.player.positionChanged.connect(went_round)
    qtbot.waitUntil(lambda: len(wraps) >= 2, timeout=5000)  # two passes went round
    assert rig.player.is_playing
    with qtbot.waitSignal(rig.player.finished, timeout=3000):
        rig.controller.toggle_loop(m.id)
    assert not rig.controller.row(m.id).playing


def test_corrupt_cached_file_reported_on_row_and_dropped(qtbot, rig, api, tmp_path):
    thread = api.create_thread("jam")
    m = post(api, thread.id, make_mp3(tmp_path / "a.mp3"))
    rig.model.set_messages([m])
    render_id = m.renders[0].id
    rig.cache.path_for(render_id).write_bytes(b"\x00broken" * 800)
    assert rig.cache.lookup(render_id) is not None
    errors = []
    rig.controller.error.connect(errors.append)
    rig.controller.toggle(m.id)
    qtbot.waitUntil(lambda: bool(rig.controller.row(m.id).error), timeout=5000)
    assert "removed from the cache" in rig.controller.row(m.id).error
    assert errors and not rig.cache.contains(render_id)
    assert not rig.cache.path_for(render_id).exists()
    # the next press downloads a good copy and plays
    rig.controller.toggle(m.id)
    qtbot.waitUntil(lambda: rig.player.is_playing, timeout=5000)
    assert rig.controller.row(m.id).error == ""


def test_own_recording_plays_without_server(qtbot, tmp_path):
    pool = QThreadPool()
    tasks = TaskRunner(pool)
    cache = AudioCache(tmp_path / "c")
    take = make_mp3(tmp_path / "take.mp3")
    player = AudioPlayerState()
    model = MessageListModel("alice")
    from desktop_app.domain.message import Message

    m = Message("m-own", "t", "alice", SNAPSHOT, "2026-11-24T10:00:00Z")
    model.upsert_message(m, pending=True)
    fetcher = RenderFetcher(cache, tasks, None, own_recording={"m-own": take}.get)
    c = PlaybackController(player, fetcher)
    c.set_model(model)
    assert c.row(m.id).available
    c.toggle(m.id)
    qtbot.waitUntil(lambda: player.is_playing and player.key == m.id, timeout=3000)
    player.stop()
    cache.close()


def test_local_peaks_computed_for_render_without_peaks(qtbot, rig, api, tmp_path):
    thread = api.create_thread("jam")
    m = post(api, thread.id, make_mp3(tmp_path / "a.mp3"), peaks=False)
    assert m.renders[0].peaks is None
    rig.model.set_messages([m])
    assert rig.controller.row(m.id).peaks is None
    done = []
    rig.controller.ensure_file(m.id, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    rig.controller.row(m.id)  # a paint asks, and starts the decode
    qtbot.waitUntil(lambda: rig.controller.row(m.id).peaks is not None, timeout=5000)
    peaks = rig.controller.row(m.id).peaks
    assert len(peaks) == 100 and max(peaks) > 0.2
    assert rig.cache.peaks(m.renders[0].id) == pytest.approx(peaks, abs=1e-3)


def test_offline_start_with_server_stopped(qtbot, tmp_path):
    from sequencer_server.threaded import ThreadedServer

    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    api = ApiClient(server.url, TOKEN, timeout=3.0)
    thread = api.create_thread("offline jam")
    cached = post(api, thread.id, make_mp3(tmp_path / "a.mp3"))
    uncached = post(api, thread.id, make_mp3(tmp_path / "b.mp3"))
    store = LocalStore(tmp_path / "local.sqlite3")
    pool = QThreadPool()
    tasks = TaskRunner(pool)
    # a first session, online: sees the thread and plays one render (now cached)
    first = ThreadsState(api, tasks, "bob", store)
    first.start()
    qtbot.waitUntil(lambda: bool(first.threads), timeout=5000)
    first.open_thread(thread.id)
    qtbot.waitUntil(lambda: first.messages.rowCount() == 2, timeout=5000)
    cache = AudioCache(tmp_path / "audio_cache")
    cache.fetch(cached.renders[0], api.download)
    tasks.wait(5000)
    server.stop()

    # the next start: the server is gone
    player = AudioPlayerState()
    state = ThreadsState(api, tasks, "bob", store, retry_delays=(60.0,))
    controller = PlaybackController(player, RenderFetcher(cache, tasks, api))
    controller.set_model(state.messages)
    state.connectionChanged.connect(lambda _t: controller.set_online(state.is_connected))
    state.start()
    qtbot.waitUntil(lambda: bool(state.threads), timeout=5000)
    state.open_thread(thread.id)
    qtbot.waitUntil(lambda: state.messages.rowCount() == 2, timeout=5000)
    qtbot.waitUntil(lambda: state.connection == OFFLINE, timeout=10000)
    assert not controller.online
    assert controller.row(uncached.id).not_downloaded
    assert not controller.row(cached.id).not_downloaded
    controller.toggle(cached.id)
    qtbot.waitUntil(lambda: player.is_playing and player.key == cached.id, timeout=3000)
    controller.toggle(uncached.id)
    qtbot.waitUntil(lambda: controller.row(uncached.id).error == NOT_DOWNLOADED, timeout=10000)
    assert player.key == cached.id  # the failed press did not take the other row's audio
    player.stop()
    tasks.wait(5000)
    store.close()
    cache.close()
