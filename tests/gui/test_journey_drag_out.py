"""User journey "drag out", through the real window and a real server: bo has
posted a take (its MP3 on the server, not on ada's machine); ada presses on its row's
player and drags. The app downloads the take into the audio cache while the button is
held, then starts a real QDrag whose data is what a DAW or a file manager receives: one
local file URL, to an MP3 that exists, decodes, and is named like
``bo 120bpm 2026-12-01.mp3``. With Alt held the same drag carries a second URL: the
pattern as a MIDI file named like the MP3, beside it."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDrag, QGuiApplication, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.audio.mp3 import encode_mp3, read_mp3_info
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_READY
from desktop_app.ui.drag_out import MIME_RENDER
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.journeys import TIMEOUT, message_view, park_mouse, play_disc, running

RATE = 44100


def _post_take(api: ApiClient, thread_id: str, folder: Path) -> tuple[str, bytes]:
    """What bo's app leaves on the server after Send: a message with its MP3 attached."""
    t = np.arange(int(RATE * 2.0)) / RATE
    mono = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    source = folder / "bo-take.mp3"
    encode_mp3(np.stack([mono, mono], axis=1), RATE, source, bitrate=192)
    render = api.upload_audio(source, bitrate=192, duration=2.0, peaks=[0.3] * 100)
    pattern = demo_pattern()
    pattern.set_bpm(120.0)
    message = api.create_message(thread_id, "bo", pattern.to_snapshot())
    api.attach_render(message.id, render)
    return message.id, source.read_bytes()


@pytest.mark.parametrize("alt", [False, True], ids=["plain", "alt"])
def test_drag_a_take_out_of_its_row_downloads_it_and_hands_over_an_mp3(
    qtbot, tmp_path: Path, alt: bool
) -> None:
    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    try:
        api = ApiClient(server.url, TOKEN)
        thread = api.create_thread("Band practice", users=("ada", "bo"))
        mid, sent = _post_take(api, thread.id, tmp_path)
        with running(qtbot, tmp_path / "ada", server.url, "ada") as ada:
            model = ada.threads_state.messages
            qtbot.waitUntil(lambda: model.ids() == [mid], timeout=TIMEOUT)
            row = model.index(0)
            qtbot.waitUntil(lambda: row.data(Roles.RENDER_STATE) == RENDER_READY, timeout=TIMEOUT)
            render_id = row.data(Roles.RENDERS)[0].id
            assert not ada.playback.cache.contains(render_id)  # not on this machine yet

            # Press on the painted player and move with the button held, as a hand does.
            view = message_view(ada)
            park_mouse(qtbot, ada)
            start = play_disc(ada, mid).centre
            viewport = view.viewport()
            QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
            assert QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton

            over: list[bool] = []

            def let_go_if_dragging() -> None:
                """Should the platform's QDrag.exec wait for the hand, let go (Escape)."""
                if over:
                    return
                if view.findChildren(QDrag):
                    QTest.keyClick(QApplication.focusWidget() or view, Qt.Key.Key_Escape)
                QTimer.singleShot(20, let_go_if_dragging)

            QTimer.singleShot(0, let_go_if_dragging)
            end = QPointF(start + QPoint(60, 8))
            move = QMouseEvent(
                QEvent.Type.MouseMove, end, viewport.mapToGlobal(end),
                Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.AltModifier if alt else Qt.KeyboardModifier.NoModifier,
            )  # fmt: skip
            QApplication.sendEvent(viewport, move)  # returns once the drag is over
            over.append(True)
            QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end.toPoint())

            # The take was downloaded into the cache on the way ...
            assert ada.playback.cache.contains(render_id)
            # ... and the drag carried one local file URL: a real MP3 with a readable name.
            drags = view.findChildren(QDrag)
            assert drags, "no drag was started"
            mime = drags[-1].mimeData()
            assert "text/uri-list" in mime.formats()
            url, *more = mime.urls()
            assert url.isLocalFile()
            handed = Path(url.toLocalFile())
            assert handed.is_file() and handed.suffix == ".mp3"
            assert handed.name.startswith("bo 120bpm ")
            assert handed.read_bytes() == sent  # the very take bo sent, byte for byte
            info = read_mp3_info(handed)
            assert abs(info.duration - 2.0) < 0.1 and info.bitrate == 192
            assert bytes(mime.data(MIME_RENDER).data()).decode() == mid
            if not alt:
                assert more == []
                return
            # Alt: the pattern's notes ride along, named like the take, in the same folder.
            (midi_url,) = more
            midi_path = Path(midi_url.toLocalFile())
            assert midi_path == handed.with_suffix(".mid") and midi_path.is_file()
            midi = mido.MidiFile(str(midi_path))
            tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
            assert round(mido.tempo2bpm(tempo), 3) == 120.0
            assert [t.name for t in midi.tracks[1:]] == [t.name for t in demo_pattern().tracks]
            # As long as the take (2 s = one pass of 16 steps at 120 BPM = 4 beats).
            assert midi.ticks_per_beat == 480 and abs(midi.length - 2.0) < 0.3
    finally:
        server.stop()
