"""A playing or paused row shows its clock once at every row width: beside the summary
when the strip has no room for "elapsed / total", else in the strip — never both (at
1024 × 640 the row said "0:01 / 0:03" beside the summary and "0:01" in the strip).

The painted check counts the lines of bright (``theme.TEXT``) text below the header in the
rendered list: the summary is dim and the waveform is not text-coloured, so each such
line is a clock.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, QPoint, QRect, QRectF, QThreadPool
from PySide6.QtWidgets import QApplication

from desktop_app.audio.mp3 import encode_mp3
from desktop_app.domain.message import Message, Render
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher
from desktop_app.ui import render_player, theme
from desktop_app.ui.conversation_panel import MIN_WIDTH as PANEL_MIN_WIDTH
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.message_row_audio import clock_beside_summary, player_look
from desktop_app.ui.message_row_geometry import ROW_HEIGHT, row_layout
from tests.gui.pixels import grab, mask_of

SR = 44100
SNAP = {"bpm": 120.0, "length": 16, "steps_per_beat": 4, "tracks": []}
SCROLL_BAR = 16
# The panel's minimum, a compact strip with no miniature, no time slot, a compact strip
# beside the miniature (the 1024 px window), the full slot, a 2560 px screen.
WIDTHS = (PANEL_MIN_WIDTH - SCROLL_BAR, 320, 400, 490, 510, 700, 2560)


@pytest.fixture
def paused_row(qtbot, tmp_path):
    t = np.arange(SR * 3) / SR
    tone = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    encode_mp3(np.stack([tone, tone], axis=1), SR, tmp_path / "x.mp3", bitrate=128)
    cache = AudioCache(tmp_path / "cache")
    cache.adopt("r0", tmp_path / "x.mp3")
    render = Render("r0", "http://127.0.0.1:9/x", duration=3.0, peaks=(0.3,) * 60)
    model = MessageListModel("bob")
    model.upsert_message(Message("m0", "t", "alice", SNAP, "2026-11-24T10:00:00Z",
                                 renders=(render,)))  # fmt: skip
    player = AudioPlayerState()
    controller = PlaybackController(player, RenderFetcher(cache, TaskRunner(QThreadPool())))
    controller.set_model(model)
    controller.play("m0", start_ms=1200)
    qtbot.waitUntil(lambda: player.is_playing and player.key == "m0", timeout=3000)
    controller.pause()
    qtbot.waitUntil(lambda: not player.is_playing, timeout=1000)
    view = MessageListView()
    view.setModel(model)
    qtbot.addWidget(view)
    yield view, model
    player.stop()
    cache.close()


def _clock_lines(view: MessageListView) -> list[tuple[int, int]]:
    """The vertical spans of the lines of bright text under the row's header line."""
    rect = view.visualRect(view.model().index(0, 0))
    band = QRect(rect.left(), rect.top() + 44, rect.width(), ROW_HEIGHT - 50)
    mask = mask_of(grab(view.viewport()), theme.TEXT, tolerance=40)
    rows = mask[band.top() : band.bottom() + 1, band.left() : band.right() + 1].any(axis=1)
    lines: list[tuple[int, int]] = []
    for y in np.nonzero(rows)[0]:
        if lines and y <= lines[-1][1] + 6:  # one line of text
            lines[-1] = (lines[-1][0], int(y))
        else:
            lines.append((int(y), int(y)))
    return lines


@pytest.mark.parametrize("width", WIDTHS)
def test_the_paused_row_paints_its_clock_once(qtbot, paused_row, width):
    view, _model = paused_row
    view.resize(width, ROW_HEIGHT + 30)
    view.show()
    qtbot.waitExposed(view)
    qtbot.mouseMove(view.viewport(), QPoint(2, view.viewport().height() - 2))
    QApplication.processEvents()
    assert len(_clock_lines(view)) == 1, _clock_lines(view)


def _places_showing_the_clock(index: QModelIndex, width: int) -> int:
    lay = row_layout(QRectF(0, 0, width, ROW_HEIGHT))
    strip = render_player.time_text(
        player_look(index), render_player.player_layout(lay.render).time.width()
    )
    return bool(clock_beside_summary(lay, index)) + bool(strip)


def test_the_clock_is_in_one_place_at_every_width(paused_row):
    _view, model = paused_row
    index = model.index(0, 0)
    widths = range(PANEL_MIN_WIDTH - SCROLL_BAR, 2561)
    assert [w for w in widths if _places_showing_the_clock(index, w) != 1] == []
