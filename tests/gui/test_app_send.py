"""Record, send and play back through the whole app graph on the embedded server: the
sender hears their own take while it uploads and never downloads it afterwards."""

from __future__ import annotations

from pathlib import Path

from desktop_app.app import AppGraph
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import load_default_kit
from desktop_app.paths import AppPaths
from desktop_app.settings import Settings
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY


def test_record_send_and_the_take_becomes_the_cached_render(qtbot, tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "home").ensure()
    engine = Engine(load_default_kit(), use_device=False, clock_speed=8.0)
    graph = AppGraph(paths, Settings.open(paths.settings_file), engine=engine)
    try:
        qtbot.addWidget(graph.window)
        state = graph.threads_state
        with qtbot.waitSignal(graph.welcomeCreated, timeout=20000):
            graph.start()
        qtbot.waitUntil(lambda: state.messages.rowCount() == 1, timeout=10000)

        recording = graph.recording_state
        recording.start()
        qtbot.waitUntil(lambda: recording._recorder.elapsed() > 2.0, timeout=10000)
        take = recording.stop()
        assert take is not None
        panel = graph.window.conversation
        assert panel.send_button.isEnabled()
        panel.send()
        message_id = state.messages.message_at(state.messages.rowCount() - 1).id

        row = lambda: state.messages.index(state.messages.row_of(message_id))  # noqa: E731
        qtbot.waitUntil(
            lambda: (
                row().data(Roles.RENDER_STATE) == RENDER_READY and bool(row().data(Roles.RENDERS))
            ),
            timeout=15000,
        )
        render = state.messages.message(message_id).renders[0]
        qtbot.waitUntil(lambda: graph.outbox.entries() == [], timeout=5000)
        cache = graph.playback.cache
        assert cache.contains(render.id)  # adopted, not downloaded
        assert cache.lookup(render.id).read_bytes() == take.mp3_path.read_bytes()
        assert graph.session.own_recording(message_id) is None  # the outbox let go of it
    finally:
        graph.shutdown()


def test_a_take_in_the_outbox_plays_from_there(qtbot, tmp_path: Path) -> None:
    from desktop_app.audio.mp3 import encode_mp3
    from desktop_app.domain.draft import AudioFile, MessageDraft
    from desktop_app.domain.pattern import demo_pattern

    paths = AppPaths.under(tmp_path / "home").ensure()
    engine = Engine(load_default_kit(), use_device=False)
    graph = AppGraph(paths, Settings.open(paths.settings_file), engine=engine)
    try:
        take = tmp_path / "take.mp3"
        encode_mp3(engine.bounce(demo_pattern(), 1), 44100, take)
        entry = graph.outbox.add(
            MessageDraft("some-thread", "ada", demo_pattern().to_snapshot(), audio=AudioFile(take))
        )
        own = graph.session.own_recording(entry.id)
        assert own is not None and own.read_bytes() == take.read_bytes()
        assert graph.session.own_recording("not-sent") is None
    finally:
        graph.shutdown()
