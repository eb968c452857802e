"""File → Import MIDI… / Export MIDI… in the real window, answered in a real QFileDialog
(a QTimer fills in the file name and accepts it, as a person would type and press Enter)
and real warning boxes (``modals``)."""

from __future__ import annotations

from pathlib import Path

import mido
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop_app.domain.midi import write_midi
from desktop_app.domain.pattern import demo_pattern
from desktop_app.ui.main_window import MainWindow
from tests.gui.window_parts import Parts

POLL_MS = 10


class FileDialogAnswer:
    """Waits for the next file dialog, types ``path`` as its file name and accepts it;
    ``seen`` keeps the dialog's title and file filters."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: list[tuple[str, str]] = []
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog) and dialog.isVisible():
            self.seen.append((dialog.windowTitle(), ";;".join(dialog.nameFilters())))
            dialog.selectFile(str(self.path))
            dialog.accept()
            return
        QTimer.singleShot(POLL_MS, self._poll)


def _file_action(window: MainWindow, text: str):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return next(a for a in file_menu.actions() if a.text().replace("&", "") == text)


def test_export_midi_writes_the_pattern_from_the_menu(qtbot, parts: Parts, tmp_path) -> None:
    window = parts.window(qtbot)
    parts.sequencer.set_bpm(101.0)
    target = tmp_path / "groove.mid"
    answer = FileDialogAnswer(target)
    _file_action(window, "Export MIDI…").trigger()
    assert answer.seen and answer.seen[0][0] == "Export MIDI" and "*.mid" in answer.seen[0][1]
    midi = mido.MidiFile(str(target))
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    assert round(mido.tempo2bpm(tempo), 2) == 101.0
    assert [t.name for t in midi.tracks[1:]] == [t.name for t in demo_pattern().tracks]
    assert "Exported groove.mid" in window.statusBar().currentMessage()
    assert parts.settings.last_pattern_dir == str(tmp_path)


def test_import_midi_replaces_the_pattern_as_one_undo_step(qtbot, parts: Parts, tmp_path) -> None:
    window = parts.window(qtbot)
    before = parts.sequencer.pattern.to_snapshot()
    groove = demo_pattern()
    groove.steps_per_beat, groove.swing, groove.bpm = 3, 0.2, 88.0
    groove.set_length(12)
    groove.tracks = groove.tracks[:3]
    groove.tracks[0].steps = [120, 0, 60, 0, 0, 90, 0, 0, 0, 0, 77, 0]
    source = tmp_path / "triplets.mid"
    write_midi(groove, source)

    FileDialogAnswer(source)
    _file_action(window, "Import MIDI…").trigger()
    got = parts.sequencer.pattern
    assert (got.bpm, got.swing, got.steps_per_beat, got.length) == (88.0, 0.2, 3, 12)
    assert [(t.name, t.steps) for t in got.tracks] == [(t.name, t.steps) for t in groove.tracks]
    assert "Imported triplets.mid" in window.statusBar().currentMessage()
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()  # one step brings the old pattern back
    assert parts.sequencer.pattern.to_snapshot() == before


def test_bad_midi_files_explain_themselves_and_change_nothing(
    qtbot, parts: Parts, tmp_path, modals
) -> None:
    modals.watch()
    window = parts.window(qtbot)
    before = parts.sequencer.pattern.to_snapshot()
    not_midi = tmp_path / "notes.mid"
    not_midi.write_text("just some words")
    FileDialogAnswer(not_midi)
    _file_action(window, "Import MIDI…").trigger()
    qtbot.waitUntil(lambda: len(modals.shown) == 1)
    assert modals.shown[0].title == "Could not import the MIDI file"
    assert "notes.mid: this is not a MIDI file" in modals.shown[0].text

    empty = tmp_path / "empty.mid"
    mido.MidiFile(tracks=[mido.MidiTrack()]).save(str(empty))
    FileDialogAnswer(empty)
    _file_action(window, "Import MIDI…").trigger()
    qtbot.waitUntil(lambda: len(modals.shown) == 2)
    assert "has no notes" in modals.shown[1].text
    assert parts.sequencer.pattern.to_snapshot() == before
    assert not window.undo_action.isEnabled()

    # A folder the dialog cannot offer: a path under a regular file.
    blocked = tmp_path / "a file"
    blocked.write_text("")
    assert not window.midi.export_file(blocked / "groove.mid")
    qtbot.waitUntil(lambda: len(modals.shown) == 3)
    assert modals.shown[2].title == "Could not export MIDI"
    assert "cannot write" in modals.shown[2].text
    assert {s.clicked for s in modals.shown} == {"OK"}
