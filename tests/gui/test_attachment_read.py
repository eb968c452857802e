"""Audio attached in the composer is read once, on a worker, when it is attached: the bar
shows its name and "reading…" meanwhile (the window goes on), then its length; Send posts what
was read without reading the file again; a file that cannot be sent is refused in words
and not attached; a WAV's MP3 made for sending is deleted when taken back. And a length
reads the same everywhere: the take-ready line, the attachment bar and the sent row.

Files arrive by real QDragEnter/QDrop events on the widget painted in the middle of the
message list; what the musician reads is taken from the labels and the row's texts."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFrame, QLabel, QPushButton

from desktop_app.audio.mp3 import encode_mp3
from desktop_app.audio.wavio import write_wav
from desktop_app.domain.durations import clock_text
from desktop_app.services import dropped_audio
from desktop_app.state.message_roles import Roles
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import render_player
from desktop_app.ui.attachment_bar import READING
from desktop_app.ui.conversation_panel import ConversationPanel
from desktop_app.ui.message_row_audio import player_look
from tests.gui.drops import drop_files_at, middle_of
from tests.gui.loop_watch import LoopWatch
from tests.gui.send_helpers import TIMEOUT

RATE = 44100
LONG_NAME = "Rehearsal 12 March - guitar overdub, second verse with the new chorus idea.mp3"


def tone(seconds: float, hz: float = 220.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    mono = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def make_panel(qtbot, alice, recording: RecordingState) -> ConversationPanel:
    """The conversation of ``alice``'s open thread, shown."""
    widget = ConversationPanel(alice.state, SequencerState(None), recording)
    qtbot.addWidget(widget)
    widget.resize(600, 700)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


@pytest.fixture
def panel(qtbot, alice):
    return make_panel(qtbot, alice, RecordingState(None, alice.outbox.files_dir / "rec"))


def drop(panel: ConversationPanel, files: list[Path]) -> bool:
    """Files dragged over the middle of the message list and released there."""
    return drop_files_at(panel, middle_of(panel, panel.messages), files) == (True, True)


def bar_rows(panel: ConversationPanel) -> list[tuple[str, str]]:
    """(name, length) of each attachment row shown."""
    bar = panel.attachments
    shown = [row for row in bar.findChildren(QFrame, "attachment") if row.isVisibleTo(bar)]
    texts = []
    for row in shown:
        name, length = (row.findChild(QLabel, n) for n in ("attachmentName", "attachmentLength"))
        texts.append((name.text(), length.text()))
    return texts


class Reads:
    """The real readers of a dropped file, each call recorded with the thread it ran on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, int]] = []
        for name in ("read_mp3_info", "mp3_peaks", "read_audio"):
            monkeypatch.setattr(dropped_audio, name, self._wrap(name, getattr(dropped_audio, name)))

    def _wrap(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def read(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, threading.get_ident()))
            return real(*args, **kwargs)

        return read

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def on_gui_thread(self) -> list[str]:
        return [name for name, ident in self.calls if ident == threading.main_thread().ident]


def row_texts(alice, message_id: str) -> tuple[str, str]:
    """The sent row's summary line and what its player's time slot says."""
    model = alice.state.messages
    index = model.index(model.row_of(message_id))
    shown = render_player.time_text(player_look(index), render_player.TIME_WIDTH)
    return index.data(Roles.SUMMARY_TEXT), shown


def test_a_long_mp3_is_read_once_off_the_gui_thread(qtbot, panel, alice, tmp_path, monkeypatch):
    mp3 = tmp_path / LONG_NAME
    encode_mp3(tone(150.0), RATE, mp3, bitrate=128)  # 2:30: reading it takes a while
    reads = Reads(monkeypatch)
    watch = LoopWatch(qtbot)

    watch.begin()
    assert drop(panel, [mp3])
    assert watch.since_begin() < 0.1  # the drop returned at once
    # Attached at once, by name; the length follows once the worker has read it.
    assert bar_rows(panel) == [(f"♪ {LONG_NAME}", READING)]
    assert not panel.send_button.isEnabled()
    assert panel.send_button.toolTip() == f"Reading {LONG_NAME}…"
    qtbot.waitUntil(lambda: bar_rows(panel)[0][1] != READING, timeout=TIMEOUT)
    watch.end()
    assert bar_rows(panel) == [(f"♪ {LONG_NAME}", "2:30")]
    assert panel.send_button.isEnabled()
    assert reads.names() == ["read_mp3_info", "mp3_peaks"]  # once each
    assert reads.on_gui_thread() == []
    watch.assert_went_on()

    # Send posts what was read: the file is not read again.
    panel.send()
    assert bar_rows(panel) == [] and not panel.attachments.isVisible()
    qtbot.waitUntil(lambda: len(alice.state.messages.ids()) == 1, timeout=TIMEOUT)
    (message_id,) = alice.state.messages.ids()
    qtbot.waitUntil(lambda: alice.delivered(message_id), timeout=TIMEOUT)
    render = alice.state.messages.message(message_id).renders[0]
    assert render.duration == pytest.approx(150.0, abs=0.05) and render.peaks
    assert reads.names() == ["read_mp3_info", "mp3_peaks"]
    assert row_texts(alice, message_id) == (f"{LONG_NAME} · 2:30", "2:30")


def test_a_file_that_cannot_be_read_is_refused_and_not_attached(qtbot, panel, alice, tmp_path):
    fake = tmp_path / "not really.mp3"
    fake.write_text("these are lyrics, not audio")
    refused: list[str] = []
    panel.sendFailed.connect(refused.append)
    assert drop(panel, [fake])
    assert bar_rows(panel) == [("♪ not really.mp3", READING)]
    qtbot.waitUntil(lambda: refused != [], timeout=TIMEOUT)
    assert refused[0].startswith("not really.mp3 is not a readable MP3 file")
    assert bar_rows(panel) == [] and panel.attachments.files == []
    assert not panel.attachments.isVisible()
    assert "not really.mp3" not in panel.take_label.text()
    qtbot.wait(200)
    assert alice.state.messages.ids() == [] and alice.outbox.pending() == []


def test_a_wav_taken_back_leaves_no_mp3_behind(qtbot, panel, alice, tmp_path, monkeypatch):
    wav = tmp_path / "bass idea.wav"
    write_wav(wav, tone(3.2, 110.0), RATE)
    reads = Reads(monkeypatch)
    assert drop(panel, [wav])
    qtbot.waitUntil(lambda: bar_rows(panel) == [("♪ bass idea.wav", "0:03")], timeout=TIMEOUT)
    assert reads.names() == ["read_audio"] and reads.on_gui_thread() == []
    scratch = alice.outbox.scratch_dir
    assert len(list(scratch.glob("*.mp3"))) == 1  # encoded once, as it was attached
    remove = panel.attachments.findChild(QPushButton, "attachmentRemove")
    QTest.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert panel.attachments.files == []
    assert list(scratch.glob("*.mp3")) == []


@pytest.fixture
def recording(clock_engine, alice):
    rec = RecordingState(clock_engine(8.0), alice.outbox.files_dir / "takes")
    yield rec
    if rec.is_recording:
        rec.stop()


def test_a_length_reads_the_same_on_the_take_line_the_bar_and_the_sent_row(
    qtbot, alice, recording, tmp_path
):
    panel = make_panel(qtbot, alice, recording)
    recording.start()
    with qtbot.waitSignal(
        recording.elapsedChanged, check_params_cb=lambda s: s >= 2.4, timeout=TIMEOUT
    ):
        pass
    take = recording.stop()
    assert take is not None and take.duration % 1 > 0.05  # tenths that a rule could show
    expected = clock_text(take.duration)
    line = re.search(r"Take ready</b> · ([^ ]+) · ", panel.take_label.text())
    assert line is not None and line.group(1) == expected

    # The same file attached: the bar says the same.
    attached = tmp_path / "my take.mp3"
    shutil.copyfile(take.mp3_path, attached)
    assert drop(panel, [attached])
    qtbot.waitUntil(lambda: bar_rows(panel)[0][1] != READING, timeout=TIMEOUT)
    assert bar_rows(panel) == [("♪ my take.mp3", expected)]

    # Sent: the row's summary and its player say the same.
    panel.send()
    qtbot.waitUntil(lambda: len(alice.state.messages.ids()) == 1, timeout=TIMEOUT)
    (message_id,) = alice.state.messages.ids()
    qtbot.waitUntil(lambda: alice.delivered(message_id), timeout=TIMEOUT)
    assert row_texts(alice, message_id) == (f"my take.mp3 · {expected}", expected)


def test_a_file_taken_back_while_it_is_read_stays_out(qtbot, panel, alice, tmp_path):
    wav = tmp_path / "long pad.wav"
    write_wav(wav, tone(60.0, 110.0), RATE)
    assert drop(panel, [wav])
    assert bar_rows(panel) == [("♪ long pad.wav", READING)]
    remove = panel.attachments.findChild(QPushButton, "attachmentRemove")
    QTest.mouseClick(remove, Qt.MouseButton.LeftButton)  # before the read has finished
    assert bar_rows(panel) == [] and panel.attachments.files == []
    assert alice.tasks.wait(TIMEOUT)
    qtbot.wait(100)  # the read's answer is delivered, and ignored
    assert bar_rows(panel) == [] and not panel.attachments.isVisible()
    assert list(alice.outbox.scratch_dir.glob("*.mp3")) == []  # its MP3 deleted too
    assert panel.send_button.isEnabled()
