"""Right-click → "Save recording as…" through the real window, a real server, the real file
dialog and real message boxes: bo posted a take (a render of his pattern, as ``sequencer
send`` makes it); ada saves it as a WAV, decoded sample-exact — exactly as many frames as
the render, in time — and as the MP3 bo sent, byte for byte; offline from the cache; and
every failure (not downloadable, a read-only folder, a full disk, a type we do not write)
is a message box that leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from desktop_app.audio.bounce import OfflineRender, bounce, bounce_frames
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.state.message_list_model import Roles
from desktop_app.state.message_row import RENDER_READY
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.file_dialog_driver import FileDialogDriver
from tests.gui.journeys import TIMEOUT, message_view, row_rect, running, status_bar_text
from tests.gui.menu_driver import choose_from_next_menu
from tests.gui.modal_driver import ModalDriver
from tests.small_disks import full_disk, read_only_folder

RATE = 44100
LOOPS = 2


def _post_take(api: ApiClient, thread_id: str, folder: Path) -> tuple[str, bytes, np.ndarray]:
    """bo's Send: the pattern rendered (LOOPS passes), encoded, uploaded and attached."""
    pattern = demo_pattern()
    pcm = bounce(OfflineRender(pattern, load_default_kit(RATE), LOOPS, RATE))
    source = folder / f"take-{len(os.listdir(folder))}.mp3"
    info = encode_mp3(pcm, RATE, source, bitrate=320)
    render = api.upload_audio(source, bitrate=320, duration=info.duration)
    message = api.create_message(thread_id, "bo", pattern.to_snapshot())
    api.attach_render(message.id, render)
    return message.id, source.read_bytes(), pcm


def _save_from_menu(graph, message_id: str) -> list[str]:
    """Right-click the row; click "Save recording as…" where the menu paints it."""
    view = message_view(graph)
    centre = row_rect(graph, message_id).center()
    labels: list[str] = []

    choose_from_next_menu("Save recording as…", labels)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, centre, view.viewport().mapToGlobal(centre)
    )
    QApplication.sendEvent(view.viewport(), event)
    return labels


def _lag(a: np.ndarray, b: np.ndarray, span: int = 400) -> int:
    """The shift of ``a`` against ``b`` (in frames) that lines them up best."""
    n = min(len(a), len(b)) - 2 * span
    scores = [float(np.dot(a[span + k : span + k + n], b[span : span + n]))
              for k in range(-span, span + 1)]  # fmt: skip
    return int(np.argmax(scores)) - span


def test_save_as_wav_and_mp3_then_offline_and_failures(
    qtbot, tmp_path: Path, modals: ModalDriver, file_dialogs: FileDialogDriver
) -> None:
    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    sent_dir = tmp_path / "sent"
    sent_dir.mkdir()
    out = tmp_path / "exports"
    out.mkdir()
    modals.watch()
    try:
        api = ApiClient(server.url, TOKEN)
        thread = api.create_thread("Band practice", users=("ada", "bo"))
        first, first_mp3, pcm = _post_take(api, thread.id, sent_dir)
        second, _, _ = _post_take(api, thread.id, sent_dir)
        api.create_message(thread.id, "bo", {}, text="no audio in this one")
        with running(qtbot, tmp_path / "ada", server.url, "ada") as ada:
            model = ada.threads_state.messages
            qtbot.waitUntil(lambda: len(model.ids()) == 3, timeout=TIMEOUT)
            for mid in (first, second):
                row = model.index(model.row_of(mid))
                qtbot.waitUntil(lambda r=row: r.data(Roles.RENDER_STATE) == RENDER_READY,
                                timeout=TIMEOUT)  # fmt: skip
            words = next(m for m in model.ids() if m not in (first, second))
            assert not ada.playback.cache.contains(model.message(first).renders[0].id)

            # A text message has no recording: its menu does not offer to save one.
            labels = _save_from_menu(ada, words)
            assert "Reply" in labels and "Save recording as…" not in labels

            # 1. WAV: the type picked in the dialog, the name typed without an extension.
            file_dialogs.save_as(out / "groove", file_type="WAV")
            labels = _save_from_menu(ada, first)
            assert "Save recording as…" in labels
            wav = out / "groove.wav"
            qtbot.waitUntil(wav.exists, timeout=TIMEOUT)
            seen = file_dialogs.seen[0]
            assert seen.title == "Save recording as"
            assert seen.filters == ("MP3 audio, as sent (*.mp3)", "WAV audio, decoded (*.wav)")
            assert seen.suggested.startswith("bo 122bpm ") and seen.suggested.endswith(".mp3")
            qtbot.waitUntil(lambda: "Saved groove.wav" in status_bar_text(ada), timeout=TIMEOUT)
            decoded, rate = soundfile.read(wav, dtype="float32", always_2d=True)
            assert soundfile.info(str(wav)).subtype == "FLOAT"
            # Gapless: the render's length to the frame, and in time with it (no delay).
            assert rate == RATE and decoded.shape == (bounce_frames(demo_pattern(), LOOPS, RATE), 2)
            assert decoded.shape == pcm.shape
            assert _lag(decoded[:, 0], pcm[:, 0]) == 0
            assert float(np.sqrt(np.mean((decoded - pcm) ** 2))) < 0.01
            # It came through the cache (downloaded for the save).
            assert ada.playback.cache.contains(model.message(first).renders[0].id)

            # 2. Offline: the server is gone; the cached take still saves, as the MP3 sent.
            server.stop()
            file_dialogs.save_as(out / "groove.mp3")
            _save_from_menu(ada, first)
            mp3 = out / "groove.mp3"
            qtbot.waitUntil(mp3.exists, timeout=TIMEOUT)
            assert mp3.read_bytes() == first_mp3
            qtbot.waitUntil(lambda: "Saved groove.mp3" in status_bar_text(ada), timeout=TIMEOUT)

            # 3. The second take was never downloaded, and cannot be now.
            file_dialogs.save_as(out / "second.wav")
            _save_from_menu(ada, second)
            qtbot.waitUntil(lambda: len(modals.shown) == 1, timeout=TIMEOUT)
            assert modals.shown[0].title == "Could not save the recording"
            assert "could not be fetched" in modals.shown[0].text
            assert "unreachable" in modals.shown[0].text
            assert not (out / "second.wav").exists()

            # 4. A type we do not write: said, nothing written.
            file_dialogs.save_as(out / "groove.flac")
            _save_from_menu(ada, first)
            qtbot.waitUntil(lambda: len(modals.shown) == 2, timeout=TIMEOUT)
            assert "can be saved as .mp3 (as it is) or .wav (decoded)" in modals.shown[1].text
            assert sorted(os.listdir(out)) == ["groove.mp3", "groove.wav"]

            # 5. A folder that cannot be written, and a full disk: said, nothing left.
            with read_only_folder(tmp_path / "locked") as locked:
                file_dialogs.save_as(locked / "take.wav")
                _save_from_menu(ada, first)
                qtbot.waitUntil(lambda: len(modals.shown) == 3, timeout=TIMEOUT)
                assert "read-only" in modals.shown[2].text or "no permission" in (
                    modals.shown[2].text
                )
                assert os.listdir(locked) == []
            with full_disk(tmp_path / "full") as full:
                file_dialogs.save_as(full / "take.wav")
                _save_from_menu(ada, first)
                qtbot.waitUntil(lambda: len(modals.shown) == 4, timeout=TIMEOUT)
                assert modals.shown[3].text.startswith("The disk is full: take.wav")
                assert os.listdir(full) == []
            assert {s.clicked for s in modals.shown} == {"OK"}
    finally:
        server.stop()
