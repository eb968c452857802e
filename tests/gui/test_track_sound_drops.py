"""Own sounds in the window: audio files dropped with real QDropEvents where the
panel paints a track header or the empty area under the tracks, "Sample…" through the
real file dialog, the pitch/decay/choke popup, undo, and a missing sound shown on its
header. Positions come from the panel's pixels (the headers' accent stripes and the empty
background), never from the geometry functions the panel lays itself out with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop_app.audio.sequencer import MASTER_GAIN
from desktop_app.domain.pattern import Pattern
from desktop_app.domain.track import Track
from desktop_app.services.samples import sha256_file
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.sequencer_panel import SequencerPanel
from tests.gui.drops import drop_files_at
from tests.gui.layout_checks import problems
from tests.gui.loop_watch import LoopWatch
from tests.gui.pixels import grab, mask_of

SR = 44100


@pytest.fixture
def seq(sample_engine, sample_cache) -> SequencerState:
    pattern = Pattern(
        bpm=120,
        tracks=[
            Track("Kick", "kick", [0] * 16, volume=1.0),
            Track("Snare", "snare", [127] + [0] * 15, volume=1.0),
            Track("Rim", "rim", [0] * 16),
        ],
    )
    return SequencerState(sample_engine, pattern=pattern, samples=sample_cache)


@pytest.fixture
def panel(qtbot, seq, sample_engine, tmp_path):
    widget = SequencerPanel(seq, RecordingState(sample_engine, tmp_path / "takes"))
    qtbot.addWidget(widget)
    widget.resize(1000, 480)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def notices(seq) -> list[str]:
    said: list[str] = []
    seq.notice.connect(said.append)
    return said


def audio_file(folder: Path, name: str, level: float = 0.3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    subtype = "FLOAT" if path.suffix == ".wav" else None
    soundfile.write(path, np.full(2000, level, np.float32), SR, subtype=subtype)
    return path


def header_rows(panel: SequencerPanel) -> list[int]:
    """The y of each track header's middle, from the accent stripes painted at their left."""
    pixels = grab(panel)
    stripe = mask_of(pixels, theme.ACCENT, tolerance=10)[:, 1]
    rows, start = [], None
    for y, on in enumerate([*stripe, False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            if y - start > 20:  # a stripe, not a lit step or a button
                rows.append((start + y) // 2)
            start = None
    return rows


def empty_spot(panel: SequencerPanel, x: int) -> QPoint:
    """A point in column ``x`` below the last header where only the deep background is."""
    pixels = grab(panel)
    last = header_rows(panel)[-1]
    deep = mask_of(pixels, theme.BG_DEEP, tolerance=4)[:, x]
    for y in range(last + 40, len(deep) - 20):
        if deep[y - 10 : y + 10].all():
            return QPoint(x, y)
    raise AssertionError(f"no empty area under the tracks at x={x}")


def drop(panel: SequencerPanel, at: QPoint, files: list[Path]) -> bool:
    """What a file manager's drag does on arrival and release at ``at`` (panel px)."""
    return drop_files_at(panel, at, files) == (True, True)


def read(qtbot, seq: SequencerState) -> None:
    """Waits for the files handed to tracks to be read (on a worker)."""
    qtbot.waitUntil(lambda: seq.drops.reading == 0, timeout=10_000)


def test_a_wav_dropped_on_a_header_plays_on_that_track(
    qtbot, panel, seq, sample_engine, tmp_path, notices
):
    rows = header_rows(panel)
    assert len(rows) == 3
    wav = audio_file(tmp_path / "files", "fat snare.wav")
    assert drop(panel, QPoint(60, rows[1]), [wav])
    assert notices[-1] == "Reading fat snare.wav for Snare…"
    read(qtbot, seq)
    track = seq.pattern.tracks[1]
    assert (track.sample_name, track.sample_sha256) == ("fat snare.wav", sha256_file(wav))
    header = panel.headers.headers[1]
    assert header.sound_label.isVisible() and header.sound_label.text() == "fat snare.wav"
    assert notices[-1] == "Snare plays fat snare.wav."
    out = sample_engine.bounce(seq.pattern, 1)
    assert np.allclose(out[:1900, 0], 0.3 * MASTER_GAIN * np.sqrt(0.5), atol=1e-5)
    panel.undo_action.trigger()
    assert seq.pattern.tracks[1].sample_sha256 is None
    assert not panel.headers.headers[1].sound_label.isVisible()
    panel.redo_action.trigger()
    assert seq.pattern.tracks[1].sample_name == "fat snare.wav"


def test_dropped_under_the_tracks_a_file_makes_a_new_track(panel, seq, tmp_path, qtbot):
    files = tmp_path / "files"
    under_headers = empty_spot(panel, 40)
    assert drop(panel, under_headers, [audio_file(files, "Cowbell.wav")])
    read(qtbot, seq)
    assert [t.name for t in seq.pattern.tracks] == ["Kick", "Snare", "Rim", "Cowbell"]
    qtbot.waitUntil(lambda: len(header_rows(panel)) == 4)
    under_grid = empty_spot(panel, panel.grid_scroll.geometry().left() + 200)
    assert drop(panel, under_grid, [audio_file(files, "Shaker.flac", 0.2)])
    read(qtbot, seq)
    assert seq.pattern.tracks[-1].name == "Shaker" and len(seq.pattern.tracks) == 5
    panel.undo_action.trigger()
    panel.undo_action.trigger()
    assert len(seq.pattern.tracks) == 3


def test_what_is_not_one_audio_file_is_refused(qtbot, panel, seq, tmp_path, notices):
    rows = header_rows(panel)
    files = tmp_path / "files"
    before = seq.snapshot()
    text = files / "notes.txt"
    files.mkdir()
    text.write_text("hello")
    assert not drop(panel, QPoint(60, rows[0]), [text])  # not even taken by the drag
    two = [audio_file(files, "a.wav"), audio_file(files, "b.wav", 0.1)]
    assert not drop(panel, QPoint(60, rows[0]), two)
    fake = files / "fake.wav"
    fake.write_bytes(b"RIFF....WAVEfmt but nothing after it")
    assert drop(panel, QPoint(60, rows[0]), [fake])  # taken, then refused in words
    read(qtbot, seq)
    assert notices[-1].startswith("fake.wav cannot be used as a track's sound: ")
    assert seq.snapshot() == before and seq.undo_stack.count() == 0


def choose_in_file_dialog(path: Path, titles: list[str]) -> None:
    """Picks ``path`` in the real QFileDialog once it is up (noting its title)."""

    def choose() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, choose)
            return
        titles.append(dialog.windowTitle())
        dialog.selectFile(str(path))
        dialog.accept()

    QTimer.singleShot(0, choose)


def test_sample_menu_opens_the_real_file_dialog(qtbot, panel, seq, tmp_path):
    titles: list[str] = []
    choose_in_file_dialog(audio_file(tmp_path / "files", "clap.wav"), titles)
    panel.headers.headers[2].sample_action.trigger()
    read(qtbot, seq)
    assert titles == ["Sound for this track"]
    assert seq.pattern.tracks[2].sample_name == "clap.wav"
    panel.headers.headers[2].builtin_action.trigger()
    assert seq.pattern.tracks[2].sample_sha256 is None


def test_add_track_menu_takes_an_audio_file(qtbot, panel, seq, tmp_path):
    titles: list[str] = []
    choose_in_file_dialog(audio_file(tmp_path / "files", "Tambourine.wav"), titles)
    menu = panel.add_track_menu
    menu.aboutToShow.emit()
    [entry] = [a for a in menu.actions() if a.text() == "Audio file…"]
    entry.trigger()
    read(qtbot, seq)
    assert titles == ["Audio file for a new track"]
    assert seq.pattern.tracks[-1].name == "Tambourine"


def test_pitch_decay_and_choke_from_the_popup(panel, seq, qtbot):
    header = panel.headers.headers[0]
    popup = header.open_sound_popup()
    qtbot.waitExposed(popup)
    popup.pitch.lineEdit().selectAll()
    QTest.keyClicks(popup.pitch.lineEdit(), "7")
    QTest.keyClick(popup.pitch.lineEdit(), Qt.Key.Key_Return)
    popup.decay.stepUp()
    popup.decay.stepUp()
    popup.choke.stepUp()
    track = seq.pattern.tracks[0]
    assert (track.pitch, track.decay, track.choke) == (7.0, 0.1, 1)
    assert header.sound_label.text() == "+7 st · 0.1 s · choke 1"
    assert seq.undo_stack.count() == 3  # two decay steps are one undo step
    popup.decay.setValue(0.0)  # "Full": the whole sound again
    assert seq.pattern.tracks[0].decay is None
    popup.close()


def test_a_missing_sound_shows_on_its_header(panel, seq):
    p = seq.pattern.copy()
    p.set_own_sample(0, "ab" * 32, "lost.wav")
    seq.set_pattern(p)
    header = panel.headers.headers[0]
    assert header.sound_label.text() == "missing sound"
    warning = mask_of(grab(header), theme.WARNING, tolerance=60)
    assert warning.sum() > 20  # painted in the warning colour, under the name


def test_in_the_real_window_a_dropped_file_lands_in_the_sample_cache_and_the_session(
    qtbot, tmp_path
):
    """The app as built by ``python -m desktop_app``: the drop reaches the track under the
    pointer (not the window's file opener), the file is kept in the sample cache under
    its hash, the status bar says so, and the pattern saved at quit refers to it."""
    from desktop_app.app import AppGraph
    from desktop_app.paths import AppPaths
    from desktop_app.services.pattern_files import SessionPattern
    from desktop_app.settings import Settings

    paths = AppPaths.under(tmp_path / "home").ensure()
    graph = AppGraph(paths, Settings.open(paths.settings_file))
    window = graph.window
    try:
        window.resize(760, 520)  # the smallest window
        window.show()
        qtbot.waitExposed(window)
        panel = window.sequencer_panel
        rows = header_rows(panel)
        wav = audio_file(tmp_path / "files", "808 kick with a long name from a pack.wav")
        assert drop(panel, QPoint(60, rows[0]), [wav])
        read(qtbot, graph.sequencer_state)
        sha = sha256_file(wav)
        assert (paths.sample_cache_dir / f"{sha}.wav").read_bytes() == wav.read_bytes()
        assert graph.sequencer_state.pattern.tracks[0].sample_sha256 == sha
        assert "plays 808 kick with" in window.statusBar().currentMessage()
        qtbot.wait(50)
        assert problems(window) == []  # the long name is elided, nothing overlaps
    finally:
        window.close()
        graph.shutdown()
    saved = SessionPattern(paths.session_pattern_file).load()
    assert saved is not None and saved.tracks[0].sample_name.startswith("808 kick with")


def test_the_sound_popup_of_a_track_at_the_screen_bottom_stays_on_screen(panel, qtbot):
    """A 760×520 window at the bottom of the screen: the last track's popup opened under
    its header, below the screen's edge, with Decay and Choke out of reach."""
    room = panel.screen().availableGeometry()
    header = panel.headers.headers[-1]
    below = header.mapTo(panel, QPoint(0, header.height())).y()  # the header's bottom
    panel.move(room.left() + 20, room.bottom() - 2 - below)
    qtbot.waitUntil(lambda: header.mapToGlobal(QPoint(0, header.height())).y() > room.bottom() - 8)

    popup = header.open_sound_popup()
    qtbot.waitExposed(popup)
    frame = popup.frameGeometry()
    assert room.contains(frame), (frame, room)
    top = header.mapToGlobal(QPoint(0, 0)).y()
    assert frame.bottom() < top + header.height() // 2  # above its track, not over it
    popup.close()


def long_file(folder: Path, name: str, seconds: float = 29.9) -> Path:
    """Nearly the longest file a track takes, at 48 kHz: read, resampled to 44.1 kHz,
    hashed and copied, it takes about a third of a second."""
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(48000 * seconds)) / 48000
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    path = folder / name
    soundfile.write(path, np.stack([tone, tone * 0.5], axis=1), 48000)
    return path


def test_a_long_file_is_read_while_the_window_goes_on(qtbot, panel, seq, tmp_path, notices):
    """The drop returns at once and the event loop keeps running its timers while the
    file is read on a worker (on the GUI thread this was one stall of ~0.35 s)."""
    rows = header_rows(panel)
    path = long_file(tmp_path / "files", "long pad.wav")
    watch = LoopWatch(qtbot)
    watch.begin()
    assert drop(panel, QPoint(60, rows[0]), [path])
    assert watch.since_begin() < 0.1
    assert seq.pattern.tracks[0].sample_sha256 is None  # not yet: it is being read
    assert notices[-1] == "Reading long pad.wav for Kick…"
    read(qtbot, seq)
    watch.end()
    assert seq.pattern.tracks[0].sample_name == "long pad.wav"
    assert notices[-1] == "Kick plays long pad.wav."
    # The longest allowed file: 0.13 s on an idle fast machine, 0.7 s on a loaded one.
    watch.assert_went_on()


def test_the_sound_lands_on_its_track_whatever_happened_meanwhile(
    qtbot, panel, seq, tmp_path, notices
):
    rows = header_rows(panel)
    files = tmp_path / "files"
    assert drop(panel, QPoint(60, rows[1]), [long_file(files, "long snare.wav", 5)])
    assert drop(panel, QPoint(60, rows[2]), [audio_file(files, "rim shot.wav")])
    # before either is read: the Kick goes, a step is set, a new track comes first
    seq.remove_track(0)
    seq.set_step(0, 3, 100)
    seq.add_track("clap", "Clap", 0)
    read(qtbot, seq)
    names = [(t.name, t.sample_name) for t in seq.pattern.tracks]
    assert names == [("Clap", None), ("Snare", "long snare.wav"), ("Rim", "rim shot.wav")]
    assert seq.pattern.tracks[1].steps[3] == 100
    seq.undo_stack.undo()
    seq.undo_stack.undo()
    assert [t.sample_name for t in seq.pattern.tracks] == [None, None, None]

    # the track it was dropped on is gone when the file has been read: nothing changes
    assert drop(panel, QPoint(60, header_rows(panel)[2]), [audio_file(files, "late.wav")])
    seq.load_snapshot(Pattern(bpm=99, tracks=[Track("Solo", "kick", [0] * 16)]).to_snapshot())
    before = seq.snapshot()
    read(qtbot, seq)
    assert seq.snapshot() == before
    assert notices[-1] == "late.wav was not used: the track it was dropped on is gone."


def test_a_second_file_dropped_on_the_same_track_while_the_first_is_read_wins(
    qtbot, panel, seq, tmp_path, notices
):
    rows = header_rows(panel)
    files = tmp_path / "files"
    assert drop(panel, QPoint(60, rows[0]), [long_file(files, "first.wav", 10)])
    assert drop(panel, QPoint(60, rows[0]), [audio_file(files, "second.wav", 0.2)])
    read(qtbot, seq)
    qtbot.wait(50)
    assert seq.pattern.tracks[0].sample_name == "second.wav"
    assert seq.undo_stack.count() == 1  # the first one never landed
    assert notices[-1] == "Kick plays second.wav."
