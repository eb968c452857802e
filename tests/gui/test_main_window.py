"""The main window: menus, layout persistence, pattern files, the Send bar, the title.

The thread side talks to a real ``ApiClient`` pointed at a closed port, so it runs in
its offline mode (what a musician on a train sees) without a server.
"""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.domain.pattern import demo_pattern
from desktop_app.settings import Settings
from desktop_app.ui.main_window import MainWindow
from tests.gui.window_parts import Parts


def _menu_texts(window: MainWindow) -> dict[str, list[str]]:
    menus = {}
    for action in window.menuBar().actions():
        menu = action.menu()
        menus[action.text().replace("&", "")] = [
            a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()
        ]
    return menus


def test_menus(qtbot, parts: Parts) -> None:
    window = parts.window(qtbot)
    menus = _menu_texts(window)
    assert menus["File"] == [
        "New pattern",
        "Open pattern JSON…",
        "Save pattern as…",
        "Import MIDI…",
        "Export MIDI…",
        "Export",
        "Join a server…",
        "Invite a bandmate…",
        "Settings…",
        "Quit",
    ]
    assert [t.split()[0] for t in menus["Edit"][:6]] == [
        "Undo",
        "Redo",
        "Copy",
        "Cut",
        "Paste",
        "Clear",
    ]
    assert menus["Edit"][-2:] == ["Clear pattern", "Double pattern length"]
    assert menus["Help"] == ["About Sequencer", "Open log folder"]
    # Undo in the menu is the sequencer's own action (no duplicate, ambiguous shortcut).
    assert window.undo_action is window.sequencer_panel.undo_action
    assert not window.undo_action.isEnabled()
    window.new_pattern_action.trigger()
    assert all(not any(t.steps) for t in parts.sequencer.pattern.tracks)
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert parts.sequencer.pattern.to_snapshot() == demo_pattern().to_snapshot()


def test_geometry_and_splitter_sizes_survive_a_restart(qtbot, parts: Parts) -> None:
    window = parts.window(qtbot)
    window.show()
    qtbot.waitExposed(window)
    # Within the offscreen screen (800×800): restoreGeometry keeps windows on screen.
    window.resize(790, 700)
    window.splitter.setSizes([180, 400, 200])
    qtbot.wait(20)
    # (at 790 px the thread list folds to a rail; the widths set are the ones it opens to)
    assert window.splitter.threads_folded
    sizes = window.splitter.sizes()
    window.close()

    reread = Settings.open(parts.settings_file)
    assert reread.main_splitter_sizes == [180, 400, 200]
    assert reread.window_geometry
    parts.settings = reread
    again = parts.window(qtbot)
    again.show()
    qtbot.waitExposed(again)
    assert (again.size().width(), again.size().height()) == (790, 700)
    assert again.splitter.preferred_sizes() == [180, 400, 200]
    assert again.splitter.sizes() == sizes


def test_first_start_gets_a_default_layout(qtbot, parts: Parts) -> None:
    window = parts.window(qtbot)
    sizes = window.splitter.sizes()
    assert len(sizes) == 3 and all(s > 0 for s in sizes)


def test_pattern_file_round_trip(qtbot, parts: Parts, tmp_path: Path) -> None:
    window = parts.window(qtbot)
    parts.sequencer.set_bpm(98.0)
    path = tmp_path / "groove.json"
    assert window.pattern_files.save_file(path)
    assert json.loads(path.read_text())["bpm"] == 98.0
    assert parts.settings.last_pattern_dir == str(tmp_path)
    parts.sequencer.set_bpm(140.0)
    assert window.pattern_files.open_file(path)
    assert parts.sequencer.pattern.bpm == 98.0
    window.undo_action.trigger()  # opening is one undoable step
    assert parts.sequencer.pattern.bpm == 140.0


def test_bad_pattern_file_explains_itself(qtbot, parts: Parts, tmp_path: Path, modals):
    modals.watch()  # each real warning box is closed with OK
    window = parts.window(qtbot)
    before = parts.sequencer.pattern.to_snapshot()
    bad = tmp_path / "bad.json"
    bad.write_text('{"bpm": 900, "tracks": []}')
    assert not window.pattern_files.open_file(bad)
    assert "bpm" in modals.shown[-1].text and "900" in modals.shown[-1].text
    bad.write_text("not json")
    assert not window.pattern_files.open_file(bad)
    assert "not JSON" in modals.shown[-1].text
    assert not window.pattern_files.open_file(tmp_path / "missing.json")
    no_sound = demo_pattern().to_snapshot()
    del no_sound["tracks"][0]["sample"]
    bad.write_text(json.dumps(no_sound))
    assert not window.pattern_files.open_file(bad)
    assert modals.shown[-1].text.endswith('Track 1 has no sound (the "sample" field is missing).')
    assert len(modals.shown) == 4 and {s.clicked for s in modals.shown} == {"OK"}
    assert parts.sequencer.pattern.to_snapshot() == before


def test_loading_a_dropped_audio_message_says_it_has_no_pattern(qtbot, parts: Parts) -> None:
    window = parts.window(qtbot)
    before = parts.sequencer.pattern.to_snapshot()
    audio = {"format": "sequencer.audio", "version": "0.0.1", "filename": "idea.wav"}
    window.load_snapshot_from_message(audio)
    assert window.statusBar().currentMessage() == (
        "This message is the audio file idea.wav; it has no pattern."
    )
    assert parts.sequencer.pattern.to_snapshot() == before


def test_send_says_why_it_is_disabled(qtbot, parts: Parts) -> None:
    window = parts.window(qtbot)
    button = window.conversation.send_button
    assert not button.isEnabled()
    assert button.toolTip() == "Sending is not available"  # this state has no send queue


def test_connection_indicator_goes_offline(qtbot, parts: Parts) -> None:
    window = parts.window(qtbot)
    window.show()
    indicator = window.connection_indicator
    assert indicator.status() == "connecting"
    assert indicator.isVisible()
    parts.threads.start()
    qtbot.waitUntil(lambda: indicator.status() == "offline", timeout=5000)
    assert indicator.text().startswith("Offline")
    assert "retry" in indicator.toolTip().lower()


def test_title_is_the_app_name_without_a_thread(qtbot, parts: Parts) -> None:
    assert parts.window(qtbot).windowTitle() == "Sequencer"


def test_settings_menu_opens_the_dialog_and_saves(qtbot, parts: Parts) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.settings_dialog import SettingsDialog

    window = parts.window(qtbot)
    seen: list[SettingsDialog] = []

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        seen.append(dialog)
        dialog.mp3_bitrate.setCurrentIndex(dialog.mp3_bitrate.findData(128))
        dialog.accept()

    QTimer.singleShot(0, fill_in)
    with qtbot.waitSignal(window.settingsSaved, timeout=5000):
        window.settings_action.trigger()
    assert seen and seen[0].parent() is window
    assert parts.settings.mp3_bitrate == 128
    assert Settings.open(parts.settings_file).mp3_bitrate == 128


def test_clicking_the_offline_indicator_retries(qtbot, parts: Parts) -> None:
    from PySide6.QtCore import Qt

    window = parts.window(qtbot)
    window.show()
    parts.threads.start()
    indicator = window.connection_indicator
    qtbot.waitUntil(lambda: indicator.status() == "offline", timeout=5000)
    with qtbot.waitSignal(parts.threads.connectionChanged, timeout=5000):
        qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: indicator.status() == "offline", timeout=5000)
