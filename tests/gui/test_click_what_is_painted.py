"""Clicks land on what is painted, at every row width (issue 10, defect 1).

Each control is found in the rendered list by its pixels — the play disc, the Loop icon,
the waveform bars, the knob, the Load pill, the Retry link — and clicked there with QTest;
the test then checks what the click did (the player plays, loops, seeks; the sequencer
holds the message's pattern; the upload is retried). No position comes from the code's own
geometry functions: the bug was exactly that painting and hit testing disagreed.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QThreadPool
from PySide6.QtCore import Qt as QtNS
from PySide6.QtGui import QHelpEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolTip

from desktop_app.domain.message import Message, Render
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.audio_cache import AudioCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.render_fetcher import RenderFetcher
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.message_row_geometry import ROW_HEIGHT
from tests.gui.pixels import Blob, blobs, grab, mask_of
from tests.gui.tones import write_tone_mp3

SECONDS = 4.0
# Narrow (the panel at its minimum), the panel at the default window size, wide.
WIDTHS = (280, 372, 540, 900)


def _snapshot(bpm: float) -> dict:
    pattern = demo_pattern()
    pattern.set_bpm(bpm)
    return pattern.to_snapshot()


@pytest.fixture
def rows(qtbot, tmp_path):
    """Two playable renders by someone else and one own message whose upload failed."""
    write_tone_mp3(tmp_path / "x.mp3", SECONDS)
    cache = AudioCache(tmp_path / "cache")
    model = MessageListModel("bob")
    for i, bpm in enumerate((97.0, 131.0)):
        cache.adopt(f"r{i}", tmp_path / "x.mp3")
        # low, even peaks: 4 px bars, so the 12 px knob stands out above them
        render = Render(f"r{i}", "http://127.0.0.1:9/x", duration=SECONDS, peaks=(0.2,) * 60)
        model.upsert_message(Message(f"m{i}", "t", "alice", _snapshot(bpm),
                                     f"2026-11-24T10:0{i}:00Z", renders=(render,)))  # fmt: skip
    model.upsert_message(
        Message("f", "t", "bob", _snapshot(120.0), "2026-11-24T10:05:00Z"),
        upload_error="Server said 503",
    )
    player = AudioPlayerState()
    controller = PlaybackController(player, RenderFetcher(cache, TaskRunner(QThreadPool())))
    controller.set_model(model)
    sequencer = SequencerState(None)
    view = MessageListView()
    view.setModel(model)
    view.playRequested.connect(controller.toggle)
    view.seekRequested.connect(controller.seek)
    view.loopRequested.connect(controller.toggle_loop)
    view.loadRequested.connect(lambda snap: sequencer.load_snapshot(snap, "Load"))
    retried: list[str] = []
    view.retryRequested.connect(retried.append)
    qtbot.addWidget(view)
    yield view, controller, player, sequencer, retried
    player.stop()
    cache.close()


def _show(qtbot, view: MessageListView, width: int) -> None:
    view.resize(width, 3 * ROW_HEIGHT + 12)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToTop()
    _park_mouse(qtbot, view)


def _park_mouse(qtbot, view: MessageListView) -> None:
    """Below the last row: nothing hovered, so every control has its resting colours."""
    qtbot.mouseMove(view.viewport(), QPoint(2, view.viewport().height() - 2))
    QApplication.processEvents()


def _row(view: MessageListView, row: int) -> QRect:
    return QRect(0, row * ROW_HEIGHT, view.viewport().width(), ROW_HEIGHT)


def _lower(view: MessageListView, row: int) -> QRect:
    """The bottom part of a card: where the player or the upload state is painted."""
    r = _row(view, row)
    return QRect(r.left(), r.bottom() - 52, r.width(), 52)


def play_disc(view: MessageListView, row: int) -> Blob:
    found = [b for b in blobs(grab(view.viewport()), theme.ACCENT, _lower(view, row))
             if 24 <= b.width <= 32 and 24 <= b.height <= 32]  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def loop_icon(view: MessageListView, row: int) -> Blob:
    """The two chasing arrows, drawn in the faint text colour right of the waveform."""
    found = [b for b in blobs(grab(view.viewport()), theme.TEXT_FAINT, _lower(view, row))
             if 8 <= b.width <= 16 and 5 <= b.height <= 16]  # fmt: skip
    assert found, "no loop icon painted"
    return max(found, key=lambda b: b.left)


def waveform(view: MessageListView, row: int) -> tuple[int, int, int]:
    """(left, right, centre y) of the waveform bars of a row not yet loaded."""
    bars = [b for b in blobs(grab(view.viewport()), theme.BORDER_STRONG, _lower(view, row), 10)
            if b.width <= 3 and 2 <= b.height <= 8]  # fmt: skip
    # the bars of even peaks share one height and top; stray anti-aliased edges do not
    tops = Counter((b.top, b.height) for b in bars)
    (top, height), _count = tops.most_common(1)[0]
    bars = sorted((b for b in bars if (b.top, b.height) == (top, height)), key=lambda b: b.left)
    # and they stand 3 px apart: the longest such run is the waveform
    runs: list[list[Blob]] = [[bars[0]]]
    for b in bars[1:]:
        if b.left - runs[-1][-1].left <= 4:
            runs[-1].append(b)
        else:
            runs.append([b])
    bars = max(runs, key=len)
    assert len(bars) > 20, f"only {len(bars)} waveform bars painted"
    return min(b.left for b in bars), max(b.right for b in bars), bars[0].centre.y()


def knob_x(view: MessageListView, row: int, after_x: int, bar_end: int) -> float:
    """The knob: the only accent-coloured columns taller than the low waveform bars
    between the play disc and the end of the seek bar (the selected row's focus ring is
    accent-coloured too, along the card's edges)."""
    region = _lower(view, row)
    pixels = grab(view.viewport())[region.top() : region.bottom() + 1]
    mask = mask_of(pixels, theme.ACCENT)
    end = min(mask.shape[1], bar_end + 8)  # the knob may overhang the bar's end by its radius
    columns = [x for x in range(after_x, end) if mask[:, x].sum() >= 8]
    assert columns, "no knob painted"
    return float(np.mean(columns))


def colour_box(view: MessageListView, colour: str, region: QRect) -> Blob:
    """The bounding box of all pixels of ``colour`` in ``region`` (a label's glyphs)."""
    mask = mask_of(grab(view.viewport()), colour)
    sub = mask[region.top() : region.bottom() + 1, region.left() : region.right() + 1]
    ys, xs = np.nonzero(sub)
    assert len(xs) > 10, f"nothing painted in {colour} in {region}"
    return Blob(int(xs.min()) + region.left(), int(ys.min()) + region.top(),
                int(xs.max()) + region.left(), int(ys.max()) + region.top(), len(xs))  # fmt: skip


def load_label(view: MessageListView, row: int) -> Blob:
    """ "Load" is written in the bright accent in the card's top line."""
    r = _row(view, row)
    return colour_box(view, theme.ACCENT_BRIGHT, QRect(r.left(), r.top(), r.width(), 46))


def retry_link(view: MessageListView, row: int) -> Blob:
    """ "Retry" is the bright-accent word right after the red "Upload failed —"."""
    failed = colour_box(view, theme.ERROR, _lower(view, row))
    band = QRect(failed.right + 1, failed.top, view.viewport().width() - failed.right - 1,
                 failed.height)  # fmt: skip
    return colour_box(view, theme.ACCENT_BRIGHT, band)


def click(qtbot, view: MessageListView, pos: QPoint) -> None:
    qtbot.mouseClick(view.viewport(), QtNS.MouseButton.LeftButton, pos=pos)


def drag_to(view: MessageListView, pos: QPoint) -> None:
    """A move with the left button held (QTest's mouseMove carries no buttons)."""
    p = QPointF(pos)
    move = QMouseEvent(QEvent.Type.MouseMove, p, view.viewport().mapToGlobal(p),
                       QtNS.MouseButton.NoButton, QtNS.MouseButton.LeftButton,
                       QtNS.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(view.viewport(), move)


@pytest.mark.parametrize("width", WIDTHS)
def test_play_loop_and_tooltip_where_they_are_painted(qtbot, rows, width):
    view, controller, player, _sequencer, _retried = rows
    _show(qtbot, view, width)
    click(qtbot, view, play_disc(view, 0).centre)
    qtbot.waitUntil(lambda: player.is_playing and player.key == "m0", timeout=3000)

    _park_mouse(qtbot, view)
    loop = loop_icon(view, 0)
    QApplication.sendEvent(view.viewport(), QHelpEvent(
        QEvent.Type.ToolTip, loop.centre, view.viewport().mapToGlobal(loop.centre)))  # fmt: skip
    assert QToolTip.text().startswith("Loop"), QToolTip.text()
    QToolTip.hideText()
    click(qtbot, view, loop.centre)
    assert controller.row("m0").loop and player.loop


@pytest.mark.parametrize("width", WIDTHS)
def test_seek_bar_and_knob_follow_the_pointer(qtbot, rows, width):
    view, _controller, player, _sequencer, _retried = rows
    _show(qtbot, view, width)
    left, right, y = waveform(view, 1)
    assert right - left >= 110  # a seek bar one can aim at, at every width
    middle = QPoint((left + right) // 2, y)
    disc = play_disc(view, 1)
    click(qtbot, view, disc.centre)  # load it, then pause so the position holds still
    qtbot.waitUntil(lambda: player.key == "m1" and player.is_playing, timeout=3000)
    click(qtbot, view, disc.centre)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=1000)
    click(qtbot, view, middle)
    qtbot.waitUntil(lambda: abs(player.position / player.duration - 0.5) < 0.03, timeout=2000)
    _park_mouse(qtbot, view)

    start = knob_x(view, 1, disc.right + 4, right)
    assert abs(start - middle.x()) <= 4  # the knob is painted where we clicked
    target = QPoint(left + round((right - left) * 0.8), y)
    qtbot.mousePress(view.viewport(), QtNS.MouseButton.LeftButton, pos=QPoint(round(start), y))
    drag_to(view, target)
    qtbot.waitUntil(lambda: abs(player.position / player.duration - 0.8) < 0.03, timeout=2000)
    view.viewport().repaint()
    assert abs(knob_x(view, 1, disc.right + 4, right) - target.x()) <= 4  # under the pointer
    qtbot.mouseRelease(view.viewport(), QtNS.MouseButton.LeftButton, pos=target)


@pytest.mark.parametrize("width", WIDTHS)
def test_load_and_retry_where_they_are_painted(qtbot, rows, width):
    view, _controller, _player, sequencer, retried = rows
    _show(qtbot, view, width)
    click(qtbot, view, load_label(view, 1).centre)
    assert sequencer.pattern.bpm == 131.0
    _park_mouse(qtbot, view)
    click(qtbot, view, retry_link(view, 2).centre)
    assert retried == ["f"]
