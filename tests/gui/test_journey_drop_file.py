"""User journey "drop a file", through two real windows on one real server: ada
drops a WAV and an MP3 from her file manager onto the conversation; they wait in the
composer until she presses Send, then each becomes a message named after its file with a
player, in her thread and in bo's, and bo plays the MP3 with its painted Play disc. A text
file dropped the same way is refused in the status bar, in words, and nothing is sent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_app.app import AppGraph
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.audio.wavio import write_wav
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY
from tests.gui.journeys import (
    TIMEOUT,
    band_practice,
    click_in_list,
    click_painted,
    message_view,
    park_mouse,
    play_disc,
    send_button,
    status_bar_text,
)

RATE = 44100


def _tone(seconds: float, hz: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    mono = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def _drop_files(graph: AppGraph, files: list[Path]) -> bool:
    """What a file manager's drag does on arrival and release over the conversation."""
    viewport = message_view(graph).viewport()
    mime = QMimeData()  # the events do not own it: it lives until both are delivered
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(60, 60), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    drop = QDropEvent(QPointF(60, 60), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(viewport, drop)
    return enter.isAccepted() and drop.isAccepted()


def _summaries(graph: AppGraph) -> dict[str, str]:
    model = graph.threads_state.messages
    return {mid: model.index(model.row_of(mid)).data(Roles.SUMMARY_TEXT) for mid in model.ids()}


def _all_ready(graph: AppGraph, count: int) -> bool:
    model = graph.threads_state.messages
    states = [model.index(i).data(Roles.RENDER_STATE) for i in range(model.rowCount())]
    return len(states) == count and all(s == RENDER_READY for s in states)


def test_drop_wav_and_mp3_then_other_user_plays_and_text_is_refused(qtbot, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    wav = files / "bass idea.wav"
    write_wav(wav, _tone(1.5, 110.0), RATE)
    mp3 = files / "guitar take.mp3"
    encode_mp3(_tone(2.0, 330.0), RATE, mp3, bitrate=192)
    lyrics = files / "lyrics.txt"
    lyrics.write_text("la la la", encoding="utf-8")

    with band_practice(qtbot, tmp_path) as (api, thread, ada, bo, _backend):
        # ada drops the two sound files: they wait in the composer; Send posts them as
        # two messages, each named after its file.
        assert _drop_files(ada, [wav, mp3])
        qtbot.wait(300)
        assert ada.threads_state.messages.ids() == [] and ada.outbox.pending() == []
        panel = ada.window.conversation
        assert panel.attachments.files == [wav, mp3]
        qtbot.waitUntil(panel.send_button.isEnabled)  # both read (on a worker)
        click_painted(qtbot, panel, send_button(ada))
        qtbot.waitUntil(lambda: _all_ready(ada, 2), timeout=TIMEOUT)
        assert sorted(_summaries(ada).values()) == [
            "bass idea.wav · 0:01",
            "guitar take.mp3 · 0:02",
        ]
        qtbot.waitUntil(lambda: len(api.list_messages(thread.id).messages) == 2, timeout=TIMEOUT)
        qtbot.waitUntil(
            lambda: all(m.renders for m in api.list_messages(thread.id).messages),
            timeout=TIMEOUT,
        )

        # bo's thread shows them too, by ada, named, each with a player.
        qtbot.waitUntil(lambda: _all_ready(bo, 2), timeout=TIMEOUT)
        assert _summaries(bo) == _summaries(ada)
        model = bo.threads_state.messages
        assert {model.index(i).data(Roles.USER) for i in range(2)} == {"ada"}
        (guitar,) = [mid for mid, text in _summaries(bo).items() if text.startswith("guitar")]

        # bo presses the MP3's painted Play disc: it is downloaded and plays.
        park_mouse(qtbot, bo)
        click_in_list(qtbot, bo, play_disc(bo, guitar).centre)
        player = bo.playback.player
        qtbot.waitUntil(lambda: player.is_playing and player.key == guitar, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: player.duration > 1500, timeout=TIMEOUT)
        row = model.index(model.row_of(guitar))
        qtbot.waitUntil(lambda: row.data(Roles.POSITION) > 0, timeout=TIMEOUT)
        bo.playback.controller.stop()

        # A text file: refused in words, in ada's status bar; nothing is sent.
        _drop_files(ada, [lyrics])
        assert status_bar_text(ada) == (
            "lyrics.txt cannot be sent: TXT files are not supported. "
            "Drop an MP3, WAV, AIFF or FLAC file."
        )
        qtbot.wait(300)
        assert len(ada.threads_state.messages.ids()) == 2
        assert ada.outbox.pending() == []
        assert len(api.list_messages(thread.id).messages) == 2
