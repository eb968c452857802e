"""A pattern file dropped anywhere on the window opens as File → Open opens it: on the
grid (which takes only audio), on the conversation (which attaches only audio) and on the
thread list alike; the question about the sound files it names is asked (and answered
here in the real box); one undo step; the same status message; and a .json that is no
pattern is refused in the same box File → Open shows.

Drops are real QDragEnter/QDrop events sent to the widget painted at a point of the shown
window (a grid pad found by its pixels, the middle of a list), travelling up from there as
a file manager's drag does."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from desktop_app.domain.pattern import demo_pattern
from sequencer_server.threaded import ThreadedServer
from tests.conftest import make_backend
from tests.gui.drops import drop_files_at, middle_of
from tests.gui.journeys import TIMEOUT, grid_cells, running
from tests.gui.journeys import status_bar_text as status
from tests.gui.window_parts import Parts
from tests.server.sample_files import audio_bytes


def pattern_file(path: Path, bpm: float, **first_track: str) -> Path:
    data = demo_pattern().to_snapshot()
    data["bpm"] = bpm
    data["tracks"][0].update(first_track)
    path.write_text(json.dumps(data))
    return path


def test_a_pattern_dropped_on_the_grid_opens_with_the_question_file_open_asks(
    qtbot, tmp_path, modals, file_dialogs
):
    folder = tmp_path / "songs"
    (folder / "kit").mkdir(parents=True)
    kick = audio_bytes(tone=60, seconds=0.3)
    (folder / "kit" / "kick.wav").write_bytes(kick)
    groove = pattern_file(folder / "groove.json", 101.0, sample_file="kit/kick.wav")
    server = ThreadedServer(make_backend("sqlite-local", tmp_path).app()).start()
    try:
        with running(qtbot, tmp_path / "bo", server.url, "bo") as bo:
            window, seq = bo.window, bo.sequencer_state
            before = seq.snapshot()
            viewport = window.sequencer_panel.grid_scroll.viewport()
            pad = viewport.mapTo(window, grid_cells(bo)[0][3].centre)

            modals.answer("Use these sounds")
            assert drop_files_at(window, pad, [groove]) == (True, True)
            qtbot.waitUntil(lambda: status(bo) == "Opened groove.json", timeout=TIMEOUT)
            (asked,) = modals.shown
            assert asked.title == "Use the sounds this pattern names?"
            assert asked.clicked == "Use these sounds"
            assert "<li>kit/kick.wav</li>" in asked.text
            opened = seq.snapshot()
            assert opened["bpm"] == 101.0
            first = opened["tracks"][0]
            assert first["sample_sha256"] == hashlib.sha256(kick).hexdigest()
            assert first["sample_name"] == "kick.wav"
            assert bo.window.conversation.attachments.files == []

            window.undo_action.trigger()  # the drop was one step
            assert seq.snapshot() == before
            window.redo_action.trigger()
            assert seq.snapshot() == opened

            # File → Open of the same file: the same question, the same words after.
            window.new_pattern_action.trigger()
            window.statusBar().clearMessage()
            modals.answer("Use these sounds")
            file_dialogs.save_as(groove)  # types the name and presses Open
            window.open_pattern_action.trigger()
            qtbot.waitUntil(lambda: status(bo) == "Opened groove.json", timeout=TIMEOUT)
            assert [s.title for s in modals.shown] == [asked.title, asked.title]
            assert seq.snapshot() == opened
    finally:
        server.stop()


def test_a_pattern_dropped_on_the_conversation_or_the_thread_list_opens(
    qtbot, parts: Parts, tmp_path
):
    window = parts.window(qtbot)
    window.resize(1024, 640)
    window.show()
    qtbot.waitExposed(window)
    assert window.conversation is not None and window.thread_list is not None
    refused: list[str] = []
    window.conversation.sendFailed.connect(refused.append)
    places = {
        "conversation": middle_of(window, window.conversation.messages.viewport()),
        "thread list": middle_of(window, window.thread_list),
    }
    for bpm, (where, at) in enumerate(places.items(), start=95):
        groove = pattern_file(tmp_path / f"groove {where}.json", float(bpm))
        assert drop_files_at(window, at, [groove]) == (True, True), where
        qtbot.waitUntil(lambda g=groove: window.statusBar().currentMessage() == f"Opened {g.name}")
        assert parts.sequencer.pattern.bpm == bpm, where
    assert refused == []  # not "JSON files cannot be sent"
    assert window.conversation.attachments.files == []
    window.undo_action.trigger()
    assert parts.sequencer.pattern.bpm == 95


def test_a_json_that_is_no_pattern_is_refused_as_file_open_refuses_it(
    qtbot, parts: Parts, tmp_path, modals, file_dialogs
):
    window = parts.window(qtbot)
    window.resize(1024, 640)
    window.show()
    qtbot.waitExposed(window)
    before = parts.sequencer.snapshot()
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"theme": "dark", "volume": 3}))
    modals.watch()
    grid = window.sequencer_panel.grid_scroll.viewport()
    assert drop_files_at(window, middle_of(window, grid), [settings]) == (True, True)
    qtbot.waitUntil(lambda: len(modals.shown) == 1, timeout=TIMEOUT)

    modals.watch()
    file_dialogs.save_as(settings)
    window.open_pattern_action.trigger()
    qtbot.waitUntil(lambda: len(modals.shown) == 2, timeout=TIMEOUT)
    dropped, menu = modals.shown
    assert dropped.title == "Could not open the pattern"
    assert str(settings) in dropped.text
    assert (dropped.title, dropped.text, dropped.informative) == (
        menu.title,
        menu.text,
        menu.informative,
    )
    assert parts.sequencer.snapshot() == before
    assert not window.undo_action.isEnabled()
