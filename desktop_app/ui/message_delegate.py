"""Paints one message row: who and when, the pattern miniature, its summary, the audio.

Rows are painted, not built from widgets, so a 10,000-message thread costs one model and
one delegate. Every row has the same height (``ROW_HEIGHT``) so the view can use uniform
item sizes. The clickable parts (Load, play, seek bar, Retry) are rectangles computed by
``row_layout`` — the same function serves painting and hit testing, so what is drawn is
exactly what is clickable.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import (
    RENDER_FAILED,
    RENDER_PENDING,
    RENDER_READY,
    RENDER_UPLOADING,
)
from desktop_app.ui import render_player, theme
from desktop_app.ui.message_text import TextBlock, lay_out
from desktop_app.ui.pattern_preview import PreviewCache
from desktop_app.ui.render_player import PlayerLook

Index = QModelIndex | QPersistentModelIndex

ROW_HEIGHT = 118
PLAY_SIZE = 28
MIN_PREVIEW = 64.0  # a narrower pattern miniature says nothing; leave it out instead
MAX_PREVIEW = 156.0
PREVIEW_GAP = 16.0

AREA_LOAD = "load"
AREA_PLAY = "play"
AREA_SEEK = "seek"
AREA_RETRY = "retry"
AREA_LOOP = render_player.AREA_LOOP
AREA_LINK = "link"
AREA_QUOTE = "quote"

QUOTE_HEIGHT = 22.0
DIVIDER_HEIGHT = 22  # the "New" line above the first unread message
TEXT_GAP = 8.0  # between the pattern part (or the header) and the quote or the words
HEADER_PART = 41.0  # a text-only row's card top, padding and header line
CARD_MARGIN_H = 14 + 12  # the card's outer margin plus its padding, each side

_AVATAR_COLOURS = ("#5b8def", "#a66cf0", "#e0669b", "#3fb68b", "#d9a23f", "#4fb3d1", "#e0734f")


@dataclass(frozen=True)
class RowLayout:
    card: QRectF
    avatar: QRectF
    header: QRectF  # name and time, left of the Load button
    load: QRectF
    preview: QRectF
    summary: QRectF
    render: QRectF  # the audio area: state text, or play button + waveform + duration
    play: QRectF
    wave: QRectF  # the seek bar (waveform, ticks, knob)
    duration: QRectF
    loop: QRectF
    quote: QRectF = field(default_factory=QRectF)  # the message answered (a reply only)
    text: QRectF = field(default_factory=QRectF)  # the words (empty when there are none)


def text_width(row_width: float) -> float:
    return max(1.0, row_width - 2 * CARD_MARGIN_H)


def row_height(text_height: float, *, pattern: bool = True, quote: bool = False) -> int:
    """The row's height for words ``text_height`` px tall (0: none) — the inverse of
    ``row_layout``'s split."""
    words = text_height + (QUOTE_HEIGHT + 4 if quote else 0.0)
    if not pattern:
        return int(HEADER_PART + TEXT_GAP + words + 17 + 0.999)
    return ROW_HEIGHT + (int(TEXT_GAP + words + 0.999) if words else 0)


def row_layout(rect: QRect | QRectF, *, pattern: bool = True, quote: bool = False) -> RowLayout:
    """Every rectangle of one row, for painting *and* hit testing.

    A pattern's part is the top ``ROW_HEIGHT`` px, laid out as always; the quote and the
    words take what the row has below it. A text-only row has its header and words only
    (its pattern rectangles are empty, so nothing there is drawn or clickable)."""
    r = QRectF(rect)
    card = r.adjusted(14, 5, -14, -5)
    if pattern:
        lay = _pattern_layout(QRectF(r.left(), r.top(), r.width(), min(r.height(), ROW_HEIGHT)))
        below = lay.render.bottom() + TEXT_GAP
    else:
        head = _pattern_layout(QRectF(r.left(), r.top(), r.width(), ROW_HEIGHT))
        none = QRectF()
        header = head.header.adjusted(0, 0, head.load.width() + 9, 0)
        lay = RowLayout(head.card, head.avatar, header,
                        none, none, none, none, none, none, none, none)  # fmt: skip
        below = lay.avatar.bottom() + TEXT_GAP
    left, right = lay.avatar.left(), card.right() - 12
    quote_rect = QRectF(left, below, right - left, QUOTE_HEIGHT) if quote else QRectF()
    if quote:
        below += QUOTE_HEIGHT + 4
    words = QRectF(left, below, right - left, max(0.0, card.bottom() - 12 - below))
    return replace(lay, card=card, quote=quote_rect, text=words)


def _pattern_layout(rect: QRectF) -> RowLayout:
    """Every rectangle of one row, for painting *and* hit testing (one function, so what
    is drawn is what is clickable at any width).

    The player's seek bar keeps at least ``render_player.MIN_SEEK`` px: the pattern
    miniature gives up width first and is left out altogether when less than
    ``MIN_PREVIEW`` px would remain for it (the summary text then starts at the card's
    left edge).
    """
    r = QRectF(rect)
    card = r.adjusted(14, 5, -14, -5)
    pad = 12.0
    left, top = card.left() + pad, card.top() + pad
    right = card.right() - pad
    avatar = QRectF(left, top, 24, 24)
    load = QRectF(right - 66, top, 66, 24)
    header = QRectF(avatar.right() + 9, top, max(0.0, load.left() - avatar.right() - 18), 24)
    body_top = avatar.bottom() + 10
    body_h = card.bottom() - pad - body_top
    room = right - left - PREVIEW_GAP - render_player.MIN_WIDTH
    preview_w = min(MAX_PREVIEW, room) if room >= MIN_PREVIEW else 0.0
    preview = QRectF(left, body_top, preview_w, body_h)
    text_left = preview.right() + PREVIEW_GAP if preview_w else left
    summary = QRectF(text_left, body_top, right - text_left, 18)
    render = QRectF(text_left, card.bottom() - pad - PLAY_SIZE, right - text_left, PLAY_SIZE)
    player = render_player.player_layout(render)
    return RowLayout(card, avatar, header, load, preview, summary, render, player.play,
                     player.seek, player.time, player.loop)  # fmt: skip


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def avatar_colour(user: str) -> QColor:
    return QColor(_AVATAR_COLOURS[zlib.crc32(user.encode()) % len(_AVATAR_COLOURS)])


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
        self._fonts: dict[str, QFont] = {}
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
        return row_layout(r, pattern=pattern, quote=bool(index.data(Roles.REPLY_TO)))

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
            block = lay_out(text, self._font("body"), width, QColor(theme.ACCENT_BRIGHT))
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
        elif state == RENDER_FAILED and self._retry_rect(lay, index).contains(p):
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

    @staticmethod
    def failure_parts(index: Index) -> tuple[str, str]:
        """A failed row's headline (which step failed: "Could not post the message") and
        the reason after it; rows fail at different steps, so neither is fixed text."""
        error = index.data(Roles.ERROR_TEXT) or ""
        headline, sep, reason = error.partition(" — ")
        return (headline, reason) if sep else ("Not sent", error)

    def _failure_headline(self, lay: RowLayout, index: Index | None) -> str:
        """The headline as painted: elided so that Retry always fits in the row."""
        fm = QFontMetricsF(self._font("body"))
        headline = self.failure_parts(index)[0] if index is not None else "Not sent"
        room = lay.render.width() - 26 - fm.horizontalAdvance(" —Retry") - 18
        return fm.elidedText(headline, Qt.TextElideMode.ElideRight, max(room, 24.0)) + " —"

    def _retry_rect(self, lay: RowLayout, index: Index | None = None) -> QRectF:
        fm = QFontMetricsF(self._font("body"))
        headline = self._failure_headline(lay, index)
        x = lay.render.left() + 26 + fm.horizontalAdvance(headline) + 4
        return QRectF(x, lay.render.top(), fm.horizontalAdvance("Retry") + 10, lay.render.height())

    # ---- fonts -----------------------------------------------------------------------------
    def _ensure_fonts(self, base: QFont) -> None:
        if self._fonts_for == base:
            return
        self._blocks.clear()
        self._fonts_for = QFont(base)
        size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        name = QFont(base)
        name.setWeight(QFont.Weight.DemiBold)
        name.setPointSizeF(size)
        small = QFont(base)
        small.setPointSizeF(size * 0.88)
        button = QFont(base)
        button.setPointSizeF(size * 0.9)
        button.setWeight(QFont.Weight.DemiBold)
        initial = QFont(base)
        initial.setPointSizeF(size * 0.95)
        initial.setWeight(QFont.Weight.Bold)
        mono = theme.mono_font(size * 0.85)
        self._fonts = {
            "body": QFont(base), "name": name, "small": small, "button": button,
            "initial": initial, "mono": mono,
        }  # fmt: skip

    def _font(self, key: str) -> QFont:
        if not self._fonts:
            self._ensure_fonts(QFont())
        return self._fonts[key]

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
        p.setFont(self._fonts["small"])
        label = "New"
        width = QFontMetricsF(self._fonts["small"]).horizontalAdvance(label) + 16
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
            p.setFont(self._fonts["small"])
            p.setPen(QColor(theme.TEXT_DIM))
            fm = QFontMetricsF(self._fonts["small"])
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
        clock = self._clock_beside_summary(lay, index)
        if clock:
            # The strip has no room for the time: it goes at the end of the summary line,
            # so elapsed and total stay visible at every width.
            painter.setFont(self._fonts["mono"])
            painter.setPen(QColor(theme.TEXT))
            width = QFontMetricsF(self._fonts["mono"]).horizontalAdvance(clock) + 4
            painter.drawText(lay.summary, Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, clock)  # fmt: skip
            summary_rect.setRight(summary_rect.right() - width - 8)
        painter.setFont(self._fonts["body"])
        painter.setPen(QColor(theme.TEXT_DIM))
        summary = painter.fontMetrics().elidedText(
            index.data(Roles.SUMMARY_TEXT) or "", Qt.TextElideMode.ElideRight,
            int(max(0.0, summary_rect.width())),
        )  # fmt: skip
        painter.drawText(summary_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         summary)  # fmt: skip
        self._paint_render(painter, lay, index, hover_area)

    def _clock_beside_summary(self, lay: RowLayout, index: Index) -> str:
        """ "elapsed / total" of a loaded row whose strip shows less (a narrow row)."""
        if index.data(Roles.RENDER_STATE) != RENDER_READY or not index.data(Roles.LOADED):
            return ""
        if render_player.player_layout(lay.render).time.width() >= render_player.TIME_WIDTH:
            return ""
        duration = index.data(Roles.DURATION)
        if not duration:
            return ""
        position = (index.data(Roles.POSITION_MS) or 0) / 1000
        return (
            f"{render_player.format_time(position)} / {render_player.format_time(round(duration))}"
        )

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
        p.setFont(self._fonts["initial"])
        p.setPen(QColor("#ffffff"))
        p.drawText(lay.avatar, Qt.AlignmentFlag.AlignCenter, user[:1].upper())

        fm = QFontMetricsF(self._fonts["name"])
        name = fm.elidedText(user, Qt.TextElideMode.ElideRight, lay.header.width() * 0.6)
        p.setFont(self._fonts["name"])
        p.setPen(QColor(theme.TEXT))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.drawText(lay.header, align, name)
        time_rect = lay.header.adjusted(fm.horizontalAdvance(name) + 10, 0, 0, 0)
        p.setFont(self._fonts["small"])
        p.setPen(QColor(theme.TEXT_FAINT))
        suffix = "  ·  you" if index.data(Roles.IS_OWN) else ""
        when = QFontMetricsF(self._fonts["small"]).elidedText(
            (index.data(Roles.TIME_TEXT) or "") + suffix, Qt.TextElideMode.ElideRight,
            max(0.0, time_rect.width()),
        )  # fmt: skip
        p.drawText(time_rect, align, when)

    def _paint_load(self, p: QPainter, lay: RowLayout, hovered: bool) -> None:
        r = lay.load.adjusted(0.5, 0.5, -0.5, -0.5)
        if hovered:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(theme.ACCENT))
        else:
            p.setPen(QPen(QColor(theme.ACCENT_DIM), 1))
            p.setBrush(theme.color(theme.ACCENT, 22))
        p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        p.setFont(self._fonts["button"])
        p.setPen(QColor("#1a1208" if hovered else theme.ACCENT_BRIGHT))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, "Load")

    def _paint_render(
        self, p: QPainter, lay: RowLayout, index: Index, hover_area: str | None
    ) -> None:
        state = index.data(Roles.RENDER_STATE)
        r = lay.render
        mid_y = r.center().y()
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.setFont(self._fonts["body"])
        if state == RENDER_READY:
            self._paint_player(p, lay, index, hover_area)
        elif state == RENDER_PENDING:
            self._paint_clock(p, QPointF(r.left() + 9, mid_y))
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(r.adjusted(26, 0, 0, 0), align, "Waiting to send…")
        elif state == RENDER_UPLOADING:
            progress = index.data(Roles.UPLOAD_PROGRESS) or 0.0
            text = f"Uploading audio… {round(progress * 100)}%"
            self._paint_spinner_dot(p, QPointF(r.left() + 9, mid_y))
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(r.adjusted(26, 0, 0, 0), align, text)
            fm = QFontMetricsF(self._fonts["body"])
            bar_left = r.left() + 26 + fm.horizontalAdvance("Uploading audio… 100%") + 14
            bar = QRectF(bar_left, mid_y - 2, max(0.0, r.right() - bar_left), 4)
            if bar.width() > 20:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(theme.BORDER))
                p.drawRoundedRect(bar, 2, 2)
                done = QRectF(bar.left(), bar.top(), bar.width() * min(1.0, progress), 4)
                p.setBrush(QColor(theme.ACCENT))
                p.drawRoundedRect(done, 2, 2)
        elif state == RENDER_FAILED:
            centre = QPointF(r.left() + 9, mid_y)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(theme.ERROR))
            p.drawEllipse(centre, 8, 8)
            p.setPen(QColor("#ffffff"))
            p.setFont(self._fonts["initial"])
            p.drawText(QRectF(centre.x() - 8, centre.y() - 8, 16, 16),
                       Qt.AlignmentFlag.AlignCenter, "!")  # fmt: skip
            p.setFont(self._fonts["body"])
            p.setPen(QColor(theme.ERROR))
            error = self.failure_parts(index)[1]
            p.drawText(r.adjusted(26, 0, 0, 0), align, self._failure_headline(lay, index))
            retry = self._retry_rect(lay, index)
            f = QFont(self._fonts["body"])
            f.setUnderline(hover_area == AREA_RETRY)
            f.setWeight(QFont.Weight.DemiBold)
            p.setFont(f)
            p.setPen(QColor(theme.ACCENT_BRIGHT))
            p.drawText(retry, Qt.AlignmentFlag.AlignCenter, "Retry")
            if error:
                p.setFont(self._fonts["small"])
                p.setPen(QColor(theme.TEXT_FAINT))
                rest = QRectF(
                    retry.right() + 10, r.top(), r.right() - retry.right() - 10, r.height()
                )
                fm = QFontMetricsF(self._fonts["small"])
                p.drawText(
                    rest, align, fm.elidedText(error, Qt.TextElideMode.ElideRight, rest.width())
                )
        else:
            p.setPen(QColor(theme.TEXT_FAINT))
            p.drawText(r, align, "Pattern only — no audio")

    def _paint_player(
        self, p: QPainter, lay: RowLayout, index: Index, hover_area: str | None
    ) -> None:
        render_player.paint_player(p, render_player.player_layout(lay.render),
                                   self.player_look(index, hover_area), self._fonts["mono"],
                                   self._fonts["small"])  # fmt: skip

    def player_look(self, index: Index, hover_area: str | None = None) -> PlayerLook:
        """What the row's player shows, from the model's roles alone (the playback
        controller writes the player's state of each row there); tempo from the summary
        metadata for the ticks."""
        meta = index.data(Roles.METADATA) or {}  # not SNAPSHOT: a big dict to convert
        spb = meta.get("steps_per_beat")
        return PlayerLook(
            playing=bool(index.data(Roles.PLAYING)),
            loaded=bool(index.data(Roles.LOADED)),
            fraction=float(index.data(Roles.POSITION) or 0.0),
            position_s=(index.data(Roles.POSITION_MS) or 0) / 1000,
            duration_s=index.data(Roles.DURATION),
            peaks=index.data(Roles.PEAKS),
            download=index.data(Roles.DOWNLOAD),
            not_downloaded=bool(index.data(Roles.NOT_DOWNLOADED)),
            error=index.data(Roles.PLAYBACK_ERROR) or "",
            loop=bool(index.data(Roles.LOOP)),
            hover=hover_area,
            bpm=meta.get("bpm") if isinstance(meta.get("bpm"), int | float) else None,
            length=meta.get("length") if isinstance(meta.get("length"), int) else None,
            steps_per_beat=spb if isinstance(spb, int) and spb > 0 else 4,
        )

    def _paint_clock(self, p: QPainter, c: QPointF) -> None:
        p.setPen(QPen(QColor(theme.TEXT_DIM), 1.4))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(c, 7, 7)
        p.drawLine(c, QPointF(c.x(), c.y() - 4.5))
        p.drawLine(c, QPointF(c.x() + 3.5, c.y()))

    def _paint_spinner_dot(self, p: QPainter, c: QPointF) -> None:
        p.setPen(QPen(QColor(theme.ACCENT), 1.6))
        p.setBrush(Qt.BrushStyle.NoBrush)
        # an upward arrow: "going up to the server"
        p.drawLine(QPointF(c.x(), c.y() + 6), QPointF(c.x(), c.y() - 6))
        p.drawLine(QPointF(c.x(), c.y() - 6), QPointF(c.x() - 4.5, c.y() - 1.5))
        p.drawLine(QPointF(c.x(), c.y() - 6), QPointF(c.x() + 4.5, c.y() - 1.5))
