"""Paints one message row: who and when, the pattern miniature, its summary, the audio.

Rows are painted, not built from widgets, so a 10,000-message thread costs one model and
one delegate. Every row has the same height (``ROW_HEIGHT``) so the view can use uniform
item sizes. The clickable parts (Load, play, seek bar, Retry) are rectangles computed by
``row_layout`` (``message_row_geometry.py``) — the same function serves painting and hit
testing, so what is drawn is exactly what is clickable. The audio part of a row (the
player, or what the send is doing) is painted by ``message_row_audio.py``.
"""

from __future__ import annotations

import zlib
from dataclasses import replace

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import RENDER_FAILED, RENDER_READY
from desktop_app.ui import render_player, theme
from desktop_app.ui.message_row_audio import (
    Index,
    clock_beside_summary,
    paint_audio,
    retry_rect,
)
from desktop_app.ui.message_row_fonts import RowFonts
from desktop_app.ui.message_row_geometry import (
    AREA_LINK,
    AREA_LOAD,
    AREA_QUOTE,
    AREA_RETRY,
    DIVIDER_HEIGHT,
    ROW_HEIGHT,
    RowLayout,
    row_height,
    row_layout,
    text_width,
)
from desktop_app.ui.message_text import TextBlock, lay_out
from desktop_app.ui.pattern_preview import PreviewCache

_AVATAR_COLOURS = ("#5b8def", "#a66cf0", "#e0669b", "#3fb68b", "#d9a23f", "#4fb3d1", "#e0734f")


def avatar_colour(user: str) -> QColor:
    return QColor(_AVATAR_COLOURS[zlib.crc32(user.encode()) % len(_AVATAR_COLOURS)])


def time_line(fm: QFontMetricsF, time_text: str, own: bool, room: float) -> str:
    """The header's faint line: "10:00 · waiting to send  ·  you" when it fits. In less
    room what matters most stays whole: first "you" goes (the card's edge marks one's
    own rows too), then the clock, so a queued or failed row still says so in a narrow
    conversation — its one mark ("23:06 · waitin…" was all a queued pattern showed)."""
    suffix = "  ·  you" if own else ""
    _clock, _, mark = time_text.partition(" · ")  # MessageRow.time_text: clock · mark
    for text in (time_text + suffix, time_text, mark):
        if text and fm.horizontalAdvance(text) <= room:
            return text
    return fm.elidedText(mark or time_text, Qt.TextElideMode.ElideRight, max(0.0, room))


class MessageDelegate(QStyledItemDelegate):
    """``MessageDelegate(parent=None, preview_cache=None)``.

    ``hover`` is set by the view: ``(row, area)`` under the mouse, so buttons light up.
    Everything else comes from the model's roles, the player's state of a row included
    (loaded, playing, position, download progress, not downloaded, error, loop).
    """

    def __init__(self, parent: QWidget | None = None, preview_cache: PreviewCache | None = None):
        super().__init__(parent)
        self.previews = preview_cache or PreviewCache()
        self.hover: tuple[int, str | None] | None = None
        self._fonts_for: QFont | None = None
        self._fonts: RowFonts | None = None
        self._blocks: dict[tuple[str, str, float], TextBlock] = {}

    # ---- geometry ------------------------------------------------------------------------
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # The width must not come from ``option.rect``: the list caches item sizes, and a
        # width remembered from an earlier (or minimum) size made the view hit-test rows
        # wider than it paints them — clicks landed tens of pixels right of the painted
        # controls. A hint of 1 lets the row follow the viewport's width; the height
        # follows the words wrapped at the viewport's width.
        text = index.data(Roles.TEXT) or ""
        pattern = index.data(Roles.HAS_PATTERN) is not False
        quote = bool(index.data(Roles.REPLY_TO))
        divider = DIVIDER_HEIGHT if index.data(Roles.NEW_DIVIDER) else 0
        if not text and pattern and not quote:
            return QSize(1, ROW_HEIGHT + divider)
        block = self.text_block(index, self._row_width(option)) if text else None
        height = block.height if block is not None else 0.0
        return QSize(1, row_height(height, pattern=pattern, quote=quote) + divider)

    def _row_width(self, option: QStyleOptionViewItem) -> float:
        view = self.parent()
        if isinstance(view, QAbstractItemView):
            return float(view.viewport().width())
        return float(option.rect.width())

    def layout_for(self, rect: QRect | QRectF, index: Index) -> RowLayout:
        """The row's layout for its kind: with or without a pattern, a reply or not."""
        pattern = index.data(Roles.HAS_PATTERN) is not False
        r = QRectF(rect)
        if index.data(Roles.NEW_DIVIDER):
            r.setTop(r.top() + DIVIDER_HEIGHT)
        lay = row_layout(r, pattern=pattern, quote=bool(index.data(Roles.REPLY_TO)))
        if pattern and index.data(Roles.LOADABLE) is False:  # a dropped file: no Load
            lay = replace(lay, load=QRectF())
        return lay

    def text_block(self, index: Index, row_width: float) -> TextBlock | None:
        text = index.data(Roles.TEXT) or ""
        if not text:
            return None
        width = text_width(row_width)
        key = (index.data(Roles.ID) or "", text, width)
        block = self._blocks.get(key)
        if block is None:
            if len(self._blocks) > 2000:
                self._blocks.clear()
            block = lay_out(text, self.fonts.body, width, QColor(theme.ACCENT_BRIGHT))
            self._blocks[key] = block
        return block

    def hit_test(self, rect: QRect, pos: QPoint | QPointF, index: Index) -> str | None:
        """Which clickable part of the row at ``rect`` is under ``pos`` (or None)."""
        lay = self.layout_for(rect, index)
        p = QPointF(pos)
        if lay.quote.contains(p):
            return AREA_QUOTE
        if lay.text.contains(p):
            return AREA_LINK if self.link_at(rect, p, index) else None
        if lay.load.contains(p):
            return AREA_LOAD
        if index.data(Roles.HAS_PATTERN) is False:
            return None
        state = index.data(Roles.RENDER_STATE)
        if state == RENDER_READY:
            return render_player.hit_test(render_player.player_layout(lay.render), p)
        elif state == RENDER_FAILED and retry_rect(lay, index, self.fonts.body).contains(p):
            return AREA_RETRY
        return None

    def link_at(self, rect: QRect | QRectF, pos: QPoint | QPointF, index: Index) -> str | None:
        """The web address painted under ``pos`` in the row's words, if any."""
        block = self.text_block(index, QRectF(rect).width())
        if block is None:
            return None
        lay = self.layout_for(rect, index)
        return block.link_at(QPointF(pos) - lay.text.topLeft())

    def seek_fraction(
        self, rect: QRect, pos: QPoint | QPointF, index: Index | None = None
    ) -> float:
        lay = self.layout_for(rect, index) if index is not None else row_layout(rect)
        player = render_player.player_layout(lay.render)
        return render_player.seek_fraction(player, QPointF(pos).x())

    # ---- fonts -----------------------------------------------------------------------------
    def _ensure_fonts(self, base: QFont) -> None:
        if self._fonts_for == base:
            return
        self._blocks.clear()
        self._fonts_for = QFont(base)
        self._fonts = RowFonts.from_base(base)

    @property
    def fonts(self) -> RowFonts:
        """The fonts of the last painted row (the default font's before any)."""
        if self._fonts is None:
            self._ensure_fonts(QFont())
        assert self._fonts is not None
        return self._fonts

    # ---- painting --------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self._ensure_fonts(option.font)
        lay = self.layout_for(option.rect, index)
        pattern = index.data(Roles.HAS_PATTERN) is not False
        row = index.row()
        hover_area = self.hover[1] if self.hover and self.hover[0] == row else None
        row_hovered = bool(option.state & QStyle.StateFlag.State_MouseOver) or (
            self.hover is not None and self.hover[0] == row
        )
        own = bool(index.data(Roles.IS_OWN))

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if index.data(Roles.NEW_DIVIDER):
            self._paint_divider(painter, QRectF(option.rect))
        self._paint_card(painter, lay, own, row_hovered)
        self._paint_header(painter, lay, index)
        self._paint_words(painter, lay, index, option.rect.width(), hover_area)
        if pattern:
            self._paint_pattern(painter, lay, index, hover_area)
        if option.state & QStyle.StateFlag.State_HasFocus:
            # the row Space and Enter act on, while the list has the keyboard focus
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(theme.ACCENT), 2))
            painter.drawRoundedRect(lay.card.adjusted(1, 1, -1, -1), 8, 8)
        painter.restore()

    def _paint_divider(self, p: QPainter, rect: QRectF) -> None:
        band = QRectF(rect.left() + 14, rect.top() + 4, rect.width() - 28, DIVIDER_HEIGHT - 4)
        p.setFont(self.fonts.small)
        label = "New"
        width = QFontMetricsF(self.fonts.small).horizontalAdvance(label) + 16
        y = band.center().y()
        p.setPen(QPen(QColor(theme.ERROR), 1))
        p.drawLine(QPointF(band.left(), y), QPointF(band.right() - width, y))
        p.setPen(QColor(theme.ERROR))
        p.drawText(QRectF(band.right() - width, band.top(), width, band.height()),
                   Qt.AlignmentFlag.AlignCenter, label)  # fmt: skip

    def _paint_words(
        self, p: QPainter, lay: RowLayout, index: Index, width: int, hover_area: str | None
    ) -> None:
        if not lay.quote.isEmpty():
            q = lay.quote
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(theme.ACCENT_DIM if hover_area != AREA_QUOTE else theme.ACCENT))
            p.drawRect(QRectF(q.left(), q.top() + 2, 3, q.height() - 4))
            p.setFont(self.fonts.small)
            p.setPen(QColor(theme.TEXT_DIM))
            fm = QFontMetricsF(self.fonts.small)
            quote = "↩ " + (index.data(Roles.QUOTE_TEXT) or "")
            text = fm.elidedText(quote, Qt.TextElideMode.ElideRight, q.width() - 12)
            align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            p.drawText(q.adjusted(10, 0, 0, 0), align, text)
        block = self.text_block(index, width)
        if block is not None:
            p.save()
            p.setClipRect(lay.text)
            block.draw(p, lay.text.topLeft(), QColor(theme.TEXT))
            p.restore()

    def _paint_pattern(
        self, painter: QPainter, lay: RowLayout, index: Index, hover_area: str | None
    ) -> None:
        self._paint_load(painter, lay, hover_area == AREA_LOAD)
        dpr = painter.device().devicePixelRatioF() if painter.device() else 1.0
        size = lay.preview.size().toSize()
        if not size.isEmpty():
            pix = self.previews.pixmap(index.data(Roles.ID) or "",
                                       index.data(Roles.SNAPSHOT) or {}, size, dpr)  # fmt: skip
            painter.drawPixmap(lay.preview.topLeft(), pix)
        summary_rect = QRectF(lay.summary)
        clock = clock_beside_summary(lay, index)
        if clock:
            # The strip has no room for the time: it goes at the end of the summary line,
            # so elapsed and total stay visible at every width.
            painter.setFont(self.fonts.mono)
            painter.setPen(QColor(theme.TEXT))
            width = QFontMetricsF(self.fonts.mono).horizontalAdvance(clock) + 4
            painter.drawText(lay.summary, Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, clock)  # fmt: skip
            summary_rect.setRight(summary_rect.right() - width - 8)
        painter.setFont(self.fonts.body)
        painter.setPen(QColor(theme.TEXT_DIM))
        summary = painter.fontMetrics().elidedText(
            index.data(Roles.SUMMARY_TEXT) or "", Qt.TextElideMode.ElideRight,
            int(max(0.0, summary_rect.width())),
        )  # fmt: skip
        painter.drawText(summary_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         summary)  # fmt: skip
        paint_audio(painter, lay, index, hover_area, self.fonts)

    def _paint_card(self, p: QPainter, lay: RowLayout, own: bool, hovered: bool) -> None:
        base = theme.BG_RAISED if own else theme.BG
        fill = theme.mix(base, theme.BG_HOVER, 0.6) if hovered else QColor(base)
        p.setPen(QPen(QColor(theme.BORDER_STRONG if hovered else theme.BORDER), 1))
        p.setBrush(fill)
        p.drawRoundedRect(lay.card.adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        if own:
            path = QPainterPath()
            path.addRoundedRect(lay.card.adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
            p.save()
            p.setClipPath(path)
            p.fillRect(QRectF(lay.card.left(), lay.card.top(), 3, lay.card.height()),
                       QColor(theme.ACCENT))  # fmt: skip
            p.restore()

    def _paint_header(self, p: QPainter, lay: RowLayout, index: Index) -> None:
        user = index.data(Roles.USER) or "?"
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(avatar_colour(user))
        p.drawEllipse(lay.avatar)
        p.setFont(self.fonts.initial)
        p.setPen(QColor("#ffffff"))
        p.drawText(lay.avatar, Qt.AlignmentFlag.AlignCenter, user[:1].upper())

        fm = QFontMetricsF(self.fonts.name)
        name = fm.elidedText(user, Qt.TextElideMode.ElideRight, lay.header.width() * 0.6)
        p.setFont(self.fonts.name)
        p.setPen(QColor(theme.TEXT))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.drawText(lay.header, align, name)
        time_rect = lay.header.adjusted(fm.horizontalAdvance(name) + 10, 0, 0, 0)
        p.setFont(self.fonts.small)
        p.setPen(QColor(theme.TEXT_FAINT))
        when = time_line(
            QFontMetricsF(self.fonts.small),
            index.data(Roles.TIME_TEXT) or "",
            bool(index.data(Roles.IS_OWN)),
            time_rect.width(),
        )
        p.drawText(time_rect, align, when)

    def _paint_load(self, p: QPainter, lay: RowLayout, hovered: bool) -> None:
        if lay.load.isEmpty():
            return
        r = lay.load.adjusted(0.5, 0.5, -0.5, -0.5)
        if hovered:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(theme.ACCENT))
        else:
            p.setPen(QPen(QColor(theme.ACCENT_DIM), 1))
            p.setBrush(theme.color(theme.ACCENT, 22))
        p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        p.setFont(self.fonts.button)
        p.setPen(QColor("#1a1208" if hovered else theme.ACCENT_BRIGHT))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, "Load")
