"""Dragging a render out: the mime data carries a file URL to a real MP3 with a readable
name; an uncached render is downloaded first."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget

from desktop_app.domain.message import Message
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher
from desktop_app.ui.drag_out import MIME_RENDER, RenderDragger, drag_file_name, drag_pixmap
from tests.server.helpers import pattern
from tests.tones import make_mp3


def test_file_name_is_readable_and_safe():
    m = Message("m1", "t", "alice", {"bpm": 120.0}, "2026-11-24T12:00:00Z")
    assert drag_file_name(m) == "alice 120bpm 2026-11-24.mp3"
    odd = Message("m2", "t", "a/b:c", {"bpm": 93.5}, "2026-11-24T12:00:00Z",
                  snapshot_metadata={"bpm": 94})  # fmt: skip
    assert drag_file_name(odd) == "a_b_c 94bpm 2026-11-24.mp3"


@pytest.fixture
def rig(qtbot, tmp_path, api):
    pool = QThreadPool()
    tasks = TaskRunner(pool)
    cache = AudioCache(tmp_path / "audio_cache")
    player = AudioPlayerState()
    model = MessageListModel("bob")
    controller = PlaybackController(player, RenderFetcher(cache, tasks, api))
    controller.set_model(model)
    yield model, controller, cache
    tasks.wait(5000)
    cache.close()


def test_uncached_render_is_fetched_then_mime_has_file_url(qtbot, rig, api, tmp_path):
    model, controller, cache = rig
    thread = api.create_thread("jam")
    source = make_mp3(tmp_path / "take.mp3")
    render = api.upload_audio(source, duration=0.5)
    msg = api.create_message(thread.id, "alice", pattern(bpm=120.0))
    api.attach_render(msg.id, render)
    msg = api.get_message(msg.id)
    model.set_messages([msg])
    assert not cache.contains(render.id)

    dragger = RenderDragger(controller, tmp_path / "drag")
    got = []
    dragger.prepare(msg.id, lambda path, mime: got.append((path, mime)))
    assert controller.row(msg.id).download is not None  # the row shows the fetch
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    path, mime = got[0]
    assert cache.contains(render.id)
    assert mime.hasUrls()
    url = mime.urls()[0]
    assert url.isLocalFile()
    assert url.toLocalFile() == str(path)
    assert path.name.startswith("alice 120bpm ") and path.suffix == ".mp3"
    assert path.read_bytes() == source.read_bytes()
    assert "text/uri-list" in mime.formats()
    assert bytes(mime.data(MIME_RENDER).data()).decode() == msg.id
    # cached now: ready at once, same file
    again = []
    dragger.prepare(msg.id, lambda p, m: again.append(p))
    assert again == [path]
    # the drag's picture shows the name
    widget = QWidget()
    assert not drag_pixmap(path.name, widget).isNull()


def test_alt_drag_adds_the_midi_file_only_when_there_is_a_pattern(qtbot, rig, api, tmp_path):
    model, controller, _cache = rig
    thread = api.create_thread("jam")
    take = make_mp3(tmp_path / "take.mp3")
    groove = api.create_message(
        thread.id, "alice", demo_pattern().to_snapshot(), snapshot_metadata={"loops": 3}
    )
    dropped = api.create_message(
        thread.id,
        "alice",
        {"format": "sequencer.audio", "version": "0.0.1", "filename": "field recording.wav"},
    )
    for msg in (groove, dropped):
        api.attach_render(msg.id, api.upload_audio(take, duration=0.5))
    model.set_messages([api.get_message(groove.id), api.get_message(dropped.id)])
    dragger = RenderDragger(controller, tmp_path / "drag")
    got: dict[str, list] = {}
    for mid in (groove.id, dropped.id):
        dragger.prepare(mid, lambda p, m, mid=mid: got.setdefault(mid, [p, m]), with_midi=True)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    mp3, mime = got[groove.id]
    urls = [Path(u.toLocalFile()) for u in mime.urls()]
    assert urls == [mp3, mp3.with_suffix(".mid")]
    midi = mido.MidiFile(str(urls[1]))
    kick_notes = [m for m in midi.tracks[1] if m.type == "note_on" and m.velocity]
    assert len(kick_notes) == 3 * 4  # the take's three loops of four kicks
    # A message that is an audio file has no pattern: the MP3 alone, no error.
    mp3, mime = got[dropped.id]
    assert [Path(u.toLocalFile()) for u in mime.urls()] == [mp3]
    assert not list(mp3.parent.glob("*.mid"))
