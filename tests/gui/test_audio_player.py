"""AudioPlayerState on QMediaPlayer with no sound server: it plays on the wall clock, so
play, position, seek, end of media, loop and errors are real and take about a second."""

from __future__ import annotations

import pytest

from desktop_app.state.audio_player_state import AudioPlayerState
from tests.tones import make_mp3


@pytest.fixture
def player(qtbot):
    state = AudioPlayerState()
    yield state
    state.stop()
    state.deleteLater()


@pytest.fixture
def one_second(tmp_path):
    return make_mp3(tmp_path / "one.mp3", 1.0)


def test_play_position_advances_and_end_returns_to_play(qtbot, player, one_second):
    positions = []
    player.positionChanged.connect(positions.append)
    with qtbot.waitSignal(player.playingChanged, timeout=3000) as started:
        player.play("m1", one_second)
    assert started.args == [True]
    assert player.key == "m1"
    qtbot.waitUntil(lambda: player.duration > 900, timeout=3000)
    qtbot.waitUntil(lambda: player.position > 200, timeout=3000)
    with qtbot.waitSignal(player.finished, timeout=4000) as done:
        pass
    assert done.args == ["m1"]
    qtbot.waitUntil(lambda: not player.is_playing, timeout=1000)
    assert player.position == 0
    assert len([p for p in positions if p > 0]) >= 5  # smooth updates, not just the end


def test_pause_resume_and_seek(qtbot, player, tmp_path):
    path = make_mp3(tmp_path / "three.mp3", 3.0)
    player.play("m1", path)
    qtbot.waitUntil(lambda: player.is_playing and player.duration > 0, timeout=3000)
    player.pause()
    qtbot.waitUntil(lambda: not player.is_playing, timeout=1000)
    player.seek(2000)
    assert player.position == 2000
    qtbot.wait(200)
    assert abs(player.position - 2000) < 60  # paused: stays where it was put
    player.resume()
    qtbot.waitUntil(lambda: player.position > 2100, timeout=2000)
    player.seek_by(-5000)  # clamps at the start
    assert player.position < 300
    player.seek_fraction(0.5)
    assert abs(player.position - player.duration // 2) < 60


def test_start_at_position_and_one_render_at_a_time(qtbot, player, tmp_path):
    a = make_mp3(tmp_path / "a.mp3", 3.0)
    b = make_mp3(tmp_path / "b.mp3", 3.0)
    current = []
    player.currentChanged.connect(current.append)
    player.play("a", a, start_ms=1500)
    qtbot.waitUntil(lambda: player.is_playing and player.position >= 1500, timeout=3000)
    player.play("b", b)
    assert player.key == "b"
    qtbot.waitUntil(lambda: player.is_playing, timeout=3000)
    assert player.position < 1000
    assert current == ["a", "b"]


def _wraps_of(player) -> list[int]:
    """The positions at which the playing take went back to its start, as they come."""
    wraps: list[int] = []
    last = [player.position]

    def watch(ms: int) -> None:
        if ms < last[0] - 200:
            wraps.append(ms)
        last[0] = ms

    player.positionChanged.connect(watch)
    return wraps


def test_loop_repeats_without_stopping(qtbot, player, tmp_path):
    path = make_mp3(tmp_path / "short.mp3", 0.5)
    player.set_loop(True)
    finished = []
    player.finished.connect(finished.append)
    stops = []
    player.playingChanged.connect(lambda p: stops.append(p) if not p else None)
    player.play("m", path)
    wraps = _wraps_of(player)
    qtbot.waitUntil(lambda: len(wraps) >= 2, timeout=4000)
    assert player.is_playing and not stops and not finished
    player.set_loop(False)
    qtbot.waitSignal(player.finished, timeout=3000).wait()


def test_corrupt_file_is_reported(qtbot, player, tmp_path):
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"\x00garbage" * 500)
    with qtbot.waitSignal(player.errorOccurred, timeout=5000) as err:
        player.play("m-bad", bad)
    assert err.args[0] == "m-bad"
    assert err.args[1]
    assert player.key == "" and not player.is_playing


def test_loop_switched_on_while_playing_repeats(qtbot, player, tmp_path):
    """The Loop toggle pressed after Play: the take wraps to the start and goes on."""
    path = make_mp3(tmp_path / "short.mp3", 0.8)
    finished = []
    player.finished.connect(finished.append)
    player.play("m", path)
    qtbot.waitUntil(lambda: player.is_playing and player.position > 200, timeout=3000)
    player.set_loop(True)
    wraps = _wraps_of(player)
    qtbot.waitUntil(lambda: len(wraps) >= 2, timeout=5000)
    assert player.is_playing and not finished
