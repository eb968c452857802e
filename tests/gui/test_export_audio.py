"""File → Export → WAV… / Stems… in the real window: the loops asked in the real input
dialog, the file or folder typed into Qt's own file dialog, real message boxes for what
goes wrong. The files are what ``sequencer render`` makes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile
from PySide6.QtGui import QAction

from desktop_app.audio.bounce import OfflineRender, bounce, bounce_frames
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.stems import stems
from desktop_app.ui.main_window import MainWindow
from tests.gui.file_dialog_driver import FileDialogDriver
from tests.gui.modal_driver import ModalDriver
from tests.gui.window_parts import Parts
from tests.small_disks import read_only_folder

RATE = 44100


def _export_action(window: MainWindow, text: str) -> QAction:
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    export = next(a.menu() for a in file_menu.actions() if a.text() == "E&xport")
    return next(a for a in export.actions() if a.text().replace("&", "") == text)


def _status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def test_export_wav_writes_the_mix_like_render(
    qtbot, parts: Parts, tmp_path: Path, modals: ModalDriver, file_dialogs: FileDialogDriver
) -> None:
    window = parts.window(qtbot)
    parts.sequencer.set_bpm(128.0)
    modals.type_text("3")
    file_dialogs.save_as(tmp_path / "my mix")  # no extension typed: .wav is added
    _export_action(window, "WAV…").trigger()
    assert [p.title for p in modals.prompts] == ["Export WAV"]
    assert file_dialogs.seen[0].filters == ("WAV audio (*.wav)",)
    assert file_dialogs.seen[0].suggested == "pattern 128bpm.wav"
    qtbot.waitUntil(lambda: _status(window).startswith("Exported my mix.wav"), timeout=10_000)
    data, rate = soundfile.read(tmp_path / "my mix.wav", dtype="float32", always_2d=True)
    expected = bounce(OfflineRender(parts.sequencer.pattern, load_default_kit(RATE), 3, RATE))
    assert rate == RATE and np.array_equal(data, expected)
    assert parts.settings.last_export_dir == str(tmp_path)


def test_export_stems_into_a_folder_asks_before_replacing(
    qtbot, parts: Parts, tmp_path: Path, modals: ModalDriver, file_dialogs: FileDialogDriver
) -> None:
    window = parts.window(qtbot)
    parts.sequencer.set_mute(7, True)  # the rim is not heard: no stem for it
    folder = tmp_path / "stems"
    folder.mkdir()
    modals.type_text("2")
    file_dialogs.choose(folder)
    _export_action(window, "Stems…").trigger()
    qtbot.waitUntil(lambda: _status(window).startswith("Exported 7 stems"), timeout=10_000)
    assert "left out: Rim" in _status(window)
    pattern = parts.sequencer.pattern
    names = [f"{t.name}.wav" for t in pattern.tracks[:7]]
    assert sorted(os.listdir(folder)) == sorted(names)
    frames = bounce_frames(pattern, 2, RATE)
    read = [soundfile.read(folder / n, dtype="float32", always_2d=True)[0] for n in names]
    assert {d.shape for d in read} == {(frames, 2)}
    assert np.array_equal(
        np.stack(read), stems(OfflineRender(pattern, load_default_kit(RATE), 2, RATE))
    )
    before = {n: (folder / n).stat().st_mtime_ns for n in names}

    # Again into the same folder: asked first; Cancel leaves every file as it was.
    parts.sequencer.set_volume(0, 0.2)
    modals.type_text("2")
    modals.answer("Cancel")
    file_dialogs.choose(folder)
    _export_action(window, "Stems…").trigger()
    assert modals.shown[-1].title == "Replace files?"
    assert "already has 7 of these files" in modals.shown[-1].text
    parts.pool.waitForDone(2000)
    assert {n: (folder / n).stat().st_mtime_ns for n in names} == before

    # Replace: the kick's stem is the quieter one now.
    modals.type_text("2")
    modals.answer("Replace")
    file_dialogs.choose(folder)
    _export_action(window, "Stems…").trigger()
    qtbot.waitUntil(lambda: (folder / "Kick.wav").stat().st_mtime_ns != before["Kick.wav"],
                    timeout=10_000)  # fmt: skip
    qtbot.waitUntil(lambda: _status(window).startswith("Exported 7 stems"), timeout=10_000)
    kick = soundfile.read(folder / "Kick.wav", dtype="float32")[0]
    assert np.abs(kick).max() < np.abs(read[0]).max() * 0.3


def test_exports_that_cannot_be_made_say_why_and_write_nothing(
    qtbot, parts: Parts, tmp_path: Path, modals: ModalDriver, file_dialogs: FileDialogDriver
) -> None:
    window = parts.window(qtbot)
    modals.watch()
    # Cancelling the loops question ends it there.
    modals.type_text(None)
    _export_action(window, "WAV…").trigger()
    assert file_dialogs.seen == []

    # A folder that refuses files.
    with read_only_folder(tmp_path / "locked") as locked:
        modals.type_text("1")
        file_dialogs.choose(locked)
        _export_action(window, "Stems…").trigger()
        qtbot.waitUntil(lambda: len(modals.shown) == 1, timeout=10_000)
        assert modals.shown[0].title == "Could not export"
        assert "read-only" in modals.shown[0].text or "no permission" in modals.shown[0].text
        assert os.listdir(locked) == []

    # A file type the mix is not written as.
    assert not window.export.export_wav_to(tmp_path / "mix.flac", 1)
    qtbot.waitUntil(lambda: len(modals.shown) == 2, timeout=10_000)
    assert "exported as a .wav file" in modals.shown[1].text

    # A track whose sound is not in the kit: nothing to render it with.
    parts.sequencer.add_track("cowbell", "Cowbell")
    parts.sequencer.set_step(8, 0, 100)
    modals.type_text("1")
    file_dialogs.save_as(tmp_path / "mix.wav")
    _export_action(window, "WAV…").trigger()
    qtbot.waitUntil(lambda: len(modals.shown) == 3, timeout=10_000)
    assert "cowbell" in modals.shown[2].text
    assert not (tmp_path / "mix.wav").exists()
    assert {s.clicked for s in modals.shown} == {"OK"}
