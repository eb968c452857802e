"""The painted message list: every render state paints, clicks on painted parts emit the
right signals, previews are cached and invalidated."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from desktop_app.domain.durations import clock_text
from desktop_app.domain.message import Message, Render
from desktop_app.domain.pattern import demo_pattern
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.ui import theme
from desktop_app.ui.message_delegate import MessageDelegate
from desktop_app.ui.message_list import MessageListView
from desktop_app.ui.message_row_audio import retry_rect
from desktop_app.ui.message_row_geometry import (
    AREA_LOAD,
    AREA_PLAY,
    AREA_RETRY,
    AREA_SEEK,
    ROW_HEIGHT,
    row_layout,
)
from desktop_app.ui.pattern_preview import PreviewCache, paint_pattern_preview

PEAKS = tuple((i % 10) / 10 for i in range(100))


def msg(mid: str, second: int, user: str = "ana", renders=(), snapshot=None) -> Message:
    return Message(
        id=mid,
        parent_thread="t",
        user_id=user,
        snapshot=snapshot or demo_pattern().to_snapshot(),
        timestamp=f"2024-05-01T10:00:{second:02d}Z",
        renders=tuple(renders),
    )


@pytest.fixture
def model():
    m = MessageListModel("ana")
    m.upsert_message(msg("ready", 1, "ben", [Render("r1", "u", duration=7.9, peaks=PEAKS)]))
    m.upsert_message(msg("none", 2, "carla"))
    m.upsert_message(msg("failed", 3), upload_error="Server said 413: too large")
    m.upsert_message(msg("uploading", 4), upload_progress=0.42)
    m.upsert_message(msg("pending", 5), pending=True)
    m.upsert_message(msg("nopeaks", 6, renders=[Render("r2", "u", duration=61)]))
    return m


@pytest.fixture
def view(qtbot, model):
    v = MessageListView()
    qtbot.addWidget(v)
    v.setModel(model)
    v.resize(720, 6 * ROW_HEIGHT + 4)
    v.show()
    qtbot.waitExposed(v)
    v.scrollToTop()
    return v


def painted(delegate: MessageDelegate, model: MessageListModel, row: int) -> QImage:
    image = QImage(700, ROW_HEIGHT, QImage.Format.Format_ARGB32)
    image.fill(QColor(theme.BG_DEEP))
    option = QStyleOptionViewItem()
    option.rect = image.rect()
    painter = QPainter(image)
    delegate.paint(painter, option, model.index(row))
    painter.end()
    return image


def distinct_colours(image: QImage) -> int:
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    )


def test_every_render_state_paints(qtbot, model):
    delegate = MessageDelegate()
    images = [painted(delegate, model, row) for row in range(model.rowCount())]
    for image in images:
        assert distinct_colours(image) > 20  # card, text, preview cells, controls
    # The states look different from one another (not one generic painting).
    assert len({bytes(img.constBits()) for img in images}) == len(images)
    # The ready row's play button is accent orange at its centre.
    lay = row_layout(images[0].rect())
    centre = lay.play.center().toPoint()
    assert QColor(images[0].pixel(centre.x() + 8, centre.y())).name() == theme.ACCENT
    assert len(delegate.previews) == model.rowCount()


def test_size_hint_is_uniform(qtbot, model):
    delegate = MessageDelegate()
    option = QStyleOptionViewItem()
    assert {delegate.sizeHint(option, model.index(r)).height() for r in range(6)} == {ROW_HEIGHT}


def click(qtbot, view: MessageListView, row: int, point) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    assert rect.isValid()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point.toPoint())


def area_point(view: MessageListView, row: int, area: str):
    rect = view.visualRect(view.model().index(row, 0))
    lay = row_layout(rect)
    return {
        AREA_LOAD: lay.load.center(),
        AREA_PLAY: lay.play.center(),
        AREA_SEEK: lay.wave.center(),
        AREA_RETRY: retry_rect(lay, None, view.delegate.fonts.body).center(),
    }[area]


def test_clicks_emit_signals(qtbot, view, model):
    with qtbot.waitSignal(view.loadRequested) as load:
        click(qtbot, view, 1, area_point(view, 1, AREA_LOAD))
    assert load.args[0] == model.message("none").snapshot

    with qtbot.waitSignal(view.playRequested) as play:
        click(qtbot, view, 0, area_point(view, 0, AREA_PLAY))
    assert play.args == ["ready"]

    with qtbot.waitSignal(view.seekRequested) as seek:
        click(qtbot, view, 0, area_point(view, 0, AREA_SEEK))
    assert seek.args[0] == "ready" and seek.args[1] == pytest.approx(0.5, abs=0.02)

    with qtbot.waitSignal(view.retryRequested) as retry:
        click(qtbot, view, 2, area_point(view, 2, AREA_RETRY))
    assert retry.args == ["failed"]

    # Play and Retry only exist in the states that show them.
    with qtbot.assertNotEmitted(view.playRequested), qtbot.assertNotEmitted(view.retryRequested):
        click(qtbot, view, 4, area_point(view, 0, AREA_PLAY) + QPoint(0, 4 * ROW_HEIGHT))
        click(qtbot, view, 1, area_point(view, 2, AREA_RETRY) - QPoint(0, ROW_HEIGHT))


def test_hit_test_matches_layout(qtbot, view, model):
    d = view.delegate
    rect = view.visualRect(model.index(0))
    lay = row_layout(rect)
    assert d.hit_test(rect, lay.load.center(), model.index(0)) == AREA_LOAD
    assert d.hit_test(rect, lay.preview.center(), model.index(0)) is None
    assert d.seek_fraction(rect, lay.wave.topLeft()) == 0.0
    assert d.seek_fraction(rect, lay.wave.topRight() + QPoint(50, 0)) == 1.0


def test_new_message_at_bottom_keeps_latest_in_view(qtbot, view, model):
    view.resize(720, 2 * ROW_HEIGHT)
    view.scrollToBottom()
    qtbot.wait(10)
    model.upsert_message(msg("newest", 59))
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() == view.verticalScrollBar().maximum())
    last = view.visualRect(model.index(model.rowCount() - 1))
    assert view.viewport().rect().intersects(last)

    view.scrollToTop()  # reading back: a new message must not yank the view down
    model.upsert_message(msg("another", 58))
    qtbot.wait(10)
    assert view.verticalScrollBar().value() == 0


def test_snapshot_change_invalidates_preview(qtbot, view, model):
    view.viewport().grab()
    cache = view.delegate.previews
    assert any(k[0] == "none" for k in cache._items)
    changed = demo_pattern()
    changed.set_bpm(90)
    changed.toggle_step(0, 1)
    model.upsert_message(msg("none", 2, "carla", snapshot=changed.to_snapshot()))
    assert not any(k[0] == "none" for k in cache._items)


def test_empty_list_shows_placeholder(qtbot):
    v = MessageListView()
    qtbot.addWidget(v)
    v.setModel(MessageListModel())
    v.set_placeholder("Pick a thread")
    v.resize(400, 300)
    v.show()
    image = v.viewport().grab().toImage()
    assert distinct_colours(image) > 2  # background plus anti-aliased text


def test_preview_cache_is_bounded_and_paints_odd_snapshots(qtbot):
    cache = PreviewCache(capacity=2)
    snap = demo_pattern().to_snapshot()
    for key in "abc":
        cache.pixmap(key, snap, QSize(80, 30))
    assert len(cache) == 2
    image = QImage(80, 30, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    for odd in ({}, {"tracks": "x"}, {"length": 0, "tracks": [{"steps": [127, "x", None]}]}):
        paint_pattern_preview(painter, image.rect().toRectF(), odd)
    painter.end()


def test_clock_text():
    assert clock_text(7.9) == "0:07"
    assert clock_text(61) == "1:01"
    assert clock_text(None) == ""


def test_elapsed_and_total_stay_visible_on_the_playing_row_at_every_width(qtbot, model):
    """Narrow rows give the strip's time up for the seek bar; the playing row's
    "elapsed / total" then moves to the summary line instead of vanishing."""
    from PySide6.QtCore import QRect

    from desktop_app.state.row_playback import RowPlayback
    from desktop_app.ui import render_player

    delegate = MessageDelegate()
    row = model.row_of("ready")
    for width in (290, 330, 380, 480, 700):
        rect = QRect(0, 0, width, ROW_HEIGHT)

        def paint_at(position_ms: int, width: int = width, rect: QRect = rect) -> QImage:
            model.set_row_playback(
                "ready",
                RowPlayback(loaded=True, playing=True, position_ms=position_ms, duration_ms=7900),
            )
            image = QImage(width, ROW_HEIGHT, QImage.Format.Format_ARGB32)
            image.fill(QColor(theme.BG_DEEP))
            option = QStyleOptionViewItem()
            option.rect = rect
            painter = QPainter(image)
            delegate.paint(painter, option, model.index(row))
            painter.end()
            return image

        early, late = paint_at(1000), paint_at(5000)
        lay = row_layout(rect)
        strip_time = render_player.player_layout(lay.render).time
        shows_both = strip_time.width() >= render_player.TIME_WIDTH
        where = strip_time if shows_both else lay.summary
        changed = [
            (x, y)
            for y in range(int(where.top()), int(where.bottom()))
            for x in range(int(where.left()), int(where.right()))
            if early.pixel(x, y) != late.pixel(x, y)
        ]
        assert changed, f"no elapsed time painted at {width} px"
