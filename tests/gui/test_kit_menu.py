"""The Kit menu in the real window: a Hydrogen kit from Debian's package imported
through a real QFileDialog and used on the pattern as one undo step, a pattern's sounds
saved as a kit through a real text prompt, and bad kits answered by real warning boxes
with nothing changed and nothing stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop_app.domain.kit_format import KIT_FILE
from desktop_app.services.api import ApiClient
from desktop_app.services.kit_library import KitLibrary
from desktop_app.services.samples import SampleCache
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui.kit_actions import KitActions
from desktop_app.ui.main_window import MainWindow
from tests.gui.modal_driver import ModalDriver
from tests.gui.test_midi_menu import FileDialogAnswer
from tests.gui.window_parts import Parts

DEBIAN_KITS = Path("/usr/share/hydrogen/data/drumkits")


class Rig:
    """The window of ``Parts`` with the Kit menu installed as ``app.py`` installs it."""

    def __init__(self, qtbot, tmp_path: Path) -> None:
        self.parts = Parts(tmp_path)
        self.cache = SampleCache(tmp_path / "samples", ApiClient("http://127.0.0.1:9", "unused"))
        # as app.py: the sequencer and the Kit menu share the one sample cache
        self.parts.sequencer = SequencerState(None, samples=self.cache)
        self.window: MainWindow = self.parts.window(qtbot)
        self.library = KitLibrary(tmp_path / "data" / "kits")
        self.kits = KitActions(
            self.window,
            self.parts.sequencer,
            self.library,
            self.cache,
            self.parts.settings,
            self.parts.tasks,
        )
        self.kits.install(self.window.menuBar())

    @property
    def sequencer(self):
        return self.parts.sequencer

    def menu_items(self) -> list[str]:
        self.kits.menu.aboutToShow.emit()  # what opening the menu does
        return [a.text().replace("&", "") for a in self.kits.menu.actions() if a.text()]

    def item(self, text: str):
        self.kits.menu.aboutToShow.emit()
        return next(a for a in self.kits.menu.actions() if a.text().replace("&", "") == text)

    def import_from_menu(self, qtbot, path: Path) -> bool:
        """Import Hydrogen drumkit…, answered in the real file dialog with ``path``; waits
        for the import (it runs on a worker); True when the kit was stored."""
        FileDialogAnswer(path)
        with qtbot.waitSignal(self.kits.importFinished, timeout=20000) as finished:
            self.item("Import Hydrogen drumkit…").trigger()
        return bool(finished.args[0])

    def stored(self) -> list[str]:
        folder = self.library.folder
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def rig(qtbot, tmp_path: Path):
    r = Rig(qtbot, tmp_path)
    yield r
    r.parts.pool.waitForDone(5000)


def debian_kit(name: str) -> Path:
    folder = DEBIAN_KITS / name
    if not folder.is_dir():
        if shutil.which("dpkg-query") is None:
            pytest.skip("not a Debian system: Debian's hydrogen-drumkits is not available")
        pytest.fail(f"{folder} is missing: install Debian's hydrogen-drumkits")
    return folder


def test_the_kit_menu_sits_after_edit(rig: Rig) -> None:
    titles = [a.text() for a in rig.window.menuBar().actions()]
    assert titles[titles.index("&Edit") + 1] == "&Kit"
    assert rig.menu_items() == ["Default kit", "Save as kit…", "Import Hydrogen drumkit…"]


def test_a_debian_hydrogen_kit_is_imported_and_used_as_one_undo_step(
    qtbot, rig: Rig, modals: ModalDriver
) -> None:
    before = rig.sequencer.pattern.to_snapshot()
    steps = [list(t.steps) for t in rig.sequencer.pattern.tracks]
    answer = FileDialogAnswer(debian_kit("TR808EmulationKit") / "drumkit.xml")
    modals.answer("Yes")  # "Use it on this pattern now?"
    with qtbot.waitSignal(rig.kits.importFinished, timeout=20000):
        rig.item("Import Hydrogen drumkit…").trigger()
        assert not rig.kits.import_action.isEnabled()  # one import at a time
    assert rig.kits.import_action.isEnabled()
    assert answer.seen[0][0] == "Import Hydrogen drumkit" and "*.h2drumkit" in answer.seen[0][1]
    assert [s.title for s in modals.shown] == ["Hydrogen kit imported"]
    assert "Imported the Hydrogen kit TR808EmulationKit: 16 sounds." in modals.shown[0].text

    tracks = rig.sequencer.pattern.tracks
    # each row plays the kit's sound of its kind, not the sound at its position
    assert [t.name for t in tracks[:5]] == [
        "Kick Long",
        "Snare 1",
        "Clap",
        "Closed Hat",
        "Open Hat",
    ]
    assert len(tracks) == 16 and all(t.sample_sha256 for t in tracks)
    assert [t.steps for t in tracks[:8]] == steps  # the groove stays
    for track in tracks:
        path = rig.cache.lookup(track.sample_sha256 or "")
        assert path is not None and soundfile.info(str(path)).frames > 0
    assert not any(rig.sequencer.sound_missing(i) for i in range(len(tracks)))
    assert "Kit TR808EmulationKit: 8 tracks changed, 8 added" in (
        rig.window.statusBar().currentMessage()
    )
    assert "TR808EmulationKit" in rig.menu_items()

    rig.window.undo_action.trigger()  # one step brings the old sounds back
    assert rig.sequencer.pattern.to_snapshot() == before
    rig.window.redo_action.trigger()
    rig.item("TR808EmulationKit").trigger()  # picking it again from the menu: no change
    assert rig.sequencer.undo_stack.count() == 2
    rig.item("Default kit").trigger()
    assert [t.sample for t in rig.sequencer.pattern.tracks[:8]] == [
        t["sample"] for t in before["tracks"]
    ]
    assert not any(t.sample_sha256 for t in rig.sequencer.pattern.tracks[:8])


def test_a_kit_declined_after_import_stays_in_the_menu(
    qtbot, rig: Rig, modals: ModalDriver
) -> None:
    before = rig.sequencer.pattern.to_snapshot()
    modals.answer("No")
    with qtbot.waitSignal(rig.kits.importFinished) as finished:
        rig.kits.import_file(debian_kit("VariBreaks"))  # a kit folder works as well
    assert finished.args == [True]
    assert rig.sequencer.pattern.to_snapshot() == before
    assert "It is in the Kit menu" in rig.window.statusBar().currentMessage()
    assert rig.stored() == ["VariBreaks"]


def test_a_hydrogen_kit_with_missing_files_changes_nothing_and_stores_nothing(
    qtbot, rig: Rig, modals: ModalDriver
) -> None:
    modals.watch()
    before = rig.sequencer.pattern.to_snapshot()
    assert not rig.import_from_menu(qtbot, debian_kit("Millo_MultiLayered2") / "drumkit.xml")
    assert len(modals.shown) == 1
    shown = modals.shown[0]
    assert shown.title == "Could not import the Hydrogen kit"
    assert "misc_Cowbell.flac" in shown.text and "Nothing was imported" in shown.text
    assert rig.sequencer.pattern.to_snapshot() == before
    assert not rig.window.undo_action.isEnabled()
    assert rig.stored() == []


def test_an_archive_that_is_not_a_drumkit_is_refused(
    qtbot, rig: Rig, modals: ModalDriver, tmp_path: Path
) -> None:
    modals.watch()
    fake = tmp_path / "kit.h2drumkit"
    fake.write_bytes(b"PK\x03\x04 this is a zip")
    assert not rig.import_from_menu(qtbot, fake)
    assert len(modals.shown) == 1
    assert "not a Hydrogen drumkit archive" in modals.shown[0].text
    assert rig.stored() == []


def test_save_as_kit_then_use_it_after_the_pattern_changed(
    qtbot, rig: Rig, modals: ModalDriver, tmp_path: Path
) -> None:
    t = np.arange(4410) / 44100
    wav = tmp_path / "Snap.wav"
    soundfile.write(wav, (0.4 * np.sin(2 * np.pi * 900 * t)).astype(np.float32), 44100)
    snap = rig.cache.add_local(wav)
    pattern = rig.sequencer.pattern.copy()
    pattern.set_own_sample(2, snap.stem, "Snap.wav")
    pattern.set_pan(2, -0.5)
    rig.sequencer.load_snapshot(pattern.to_snapshot(), "own sample")

    modals.type_text("Groove kit")
    rig.item("Save as kit…").trigger()
    assert modals.prompts[0].title == "Save as kit" and modals.prompts[0].initial == "My kit"
    assert rig.stored() == ["Groove kit"]
    folder = rig.library.folder / "Groove kit"
    assert sorted(p.name for p in folder.iterdir()) == ["Snap.wav", KIT_FILE]

    rig.item("Default kit").trigger()
    assert rig.sequencer.pattern.tracks[2].sample_sha256 is None
    rig.item("Groove kit").trigger()
    clap = rig.sequencer.pattern.tracks[2]
    assert (clap.sample_sha256, clap.sample_name, clap.pan) == (snap.stem, "Snap.wav", -0.5)

    # the same name again: asked first; No keeps the saved kit
    modals.type_text("groove KIT", "Groove kit")
    modals.answer("No", "Yes")
    rig.sequencer.set_volume(0, 0.11)
    rig.item("Save as kit…").trigger()
    assert rig.library.read(folder).sounds[0].volume != 0.11
    rig.item("Save as kit…").trigger()
    assert [s.title for s in modals.shown] == ["Replace the kit?", "Replace the kit?"]
    assert rig.library.read(folder).sounds[0].volume == 0.11
    assert rig.stored() == ["Groove kit"]


def test_a_kit_broken_by_hand_is_greyed_out_and_a_missing_file_is_explained(
    qtbot, rig: Rig, modals: ModalDriver
) -> None:
    modals.watch()
    (rig.library.folder / "Junk").mkdir(parents=True)
    (rig.library.folder / "Junk" / KIT_FILE).write_text('{"format": "sequencer.kit"}')
    item = rig.item("Junk")
    assert not item.isEnabled() and "version" in item.toolTip()

    modals.answer("No")
    assert rig.import_from_menu(qtbot, debian_kit("HardElectro1") / "drumkit.xml")
    folder = rig.library.folder / "HardElectro1"
    victim = next(p for p in folder.iterdir() if p.suffix == ".flac")
    victim.write_bytes(b"fLaC but broken")
    before = rig.sequencer.pattern.to_snapshot()
    assert not rig.kits.use_kit(folder)
    qtbot.waitUntil(lambda: len(modals.shown) == 2)
    assert modals.shown[1].title == "Could not use the kit" and victim.name in modals.shown[1].text
    assert rig.sequencer.pattern.to_snapshot() == before


class _DialogFolder:
    """Waits for the next file dialog, notes the folder it opened in and cancels it."""

    def __init__(self) -> None:
        self.folders: list[str] = []
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog) and dialog.isVisible():
            self.folders.append(dialog.directory().absolutePath())
            dialog.reject()
            return
        QTimer.singleShot(10, self._poll)


def test_the_import_dialog_opens_where_hydrogen_kits_are(
    rig: Rig, tmp_path: Path, monkeypatch
) -> None:
    """It opened in the home folder: a Hydrogen user starts in Hydrogen's kit folder, and
    without one in the system's kits (Debian's hydrogen-drumkits)."""
    debian_kit("GMRockKit")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    watch = _DialogFolder()
    rig.item("Import Hydrogen drumkit…").trigger()
    assert watch.folders == [str(DEBIAN_KITS)]

    own = home / ".hydrogen" / "data" / "drumkits"
    own.mkdir(parents=True)
    watch = _DialogFolder()
    rig.item("Import Hydrogen drumkit…").trigger()
    assert watch.folders == [str(own)]
