"""Paints one message row: who and when, the pattern miniature, its summary, the audio.

Rows are painted, not built from widgets, so a 10,000-message thread costs one model and
one delegate. Every row has the same height (``ROW_HEIGHT``) so the view can use uniform
item sizes. The clickable parts (Load, play, seek bar, Retry) are rectangles computed by
``row_layout`` — the same function serves painting and hit testing, so what is drawn is
exactly what is clickable.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

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
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop_app.state.message_list_model import (
    RENDER_FAILED,
    RENDER_PENDING,
    RENDER_READY,
    RENDER_UPLOADING,
    Roles,
)
from desktop_app.ui import render_player, theme
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


def row_layout(rect: QRect | QRectF) -> RowLayout:
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

    # ---- geometry ------------------------------------------------------------------------
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # The width must not come from ``option.rect``: the list caches one uniform item
        # size, and a width remembered from an earlier (or minimum) size made the view
        # hit-test rows wider than it paints them — clicks landed tens of pixels right of
        # the painted controls. A hint of 1 lets the row follow the viewport's width.
        return QSize(1, ROW_HEIGHT)

    def hit_test(self, rect: QRect, pos: QPoint | QPointF, index: Index) -> str | None:
        """Which clickable part of the row at ``rect`` is under ``pos`` (or None)."""
        lay = row_layout(rect)
        p = QPointF(pos)
        if lay.load.contains(p):
            return AREA_LOAD
        state = index.data(Roles.RENDER_STATE)
        if state == RENDER_READY:
            return render_player.hit_test(render_player.player_layout(lay.render), p)
        elif state == RENDER_FAILED and self._retry_rect(lay, index).contains(p):
            return AREA_RETRY
        return None

    def seek_fraction(self, rect: QRect, pos: QPoint | QPointF) -> float:
        player = render_player.player_layout(row_layout(rect).render)
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
        lay = row_layout(option.rect)
        row = index.row()
        hover_area = self.hover[1] if self.hover and self.hover[0] == row else None
        row_hovered = bool(option.state & QStyle.StateFlag.State_MouseOver) or (
            self.hover is not None and self.hover[0] == row
        )
        own = bool(index.data(Roles.IS_OWN))

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self._paint_card(painter, lay, own, row_hovered)
        self._paint_header(painter, lay, index)
        self._paint_load(painter, lay, hover_area == AREA_LOAD)
        dpr = painter.device().devicePixelRatioF() if painter.device() else 1.0
        size = lay.preview.size().toSize()
        if not size.isEmpty():
            pix = self.previews.pixmap(index.data(Roles.ID) or "",
                                       index.data(Roles.SNAPSHOT) or {}, size, dpr)  # fmt: skip
            painter.drawPixmap(lay.preview.topLeft(), pix)
        painter.setFont(self._fonts["body"])
        painter.setPen(QColor(theme.TEXT_DIM))
        summary = painter.fontMetrics().elidedText(
            index.data(Roles.SUMMARY_TEXT) or "", Qt.TextElideMode.ElideRight,
            int(lay.summary.width()),
        )  # fmt: skip
        painter.drawText(lay.summary, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         summary)  # fmt: skip
        self._paint_render(painter, lay, index, hover_area)
        if option.state & QStyle.StateFlag.State_HasFocus:
            # the row Space and Enter act on, while the list has the keyboard focus
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(theme.ACCENT), 2))
            painter.drawRoundedRect(lay.card.adjusted(1, 1, -1, -1), 8, 8)
        painter.restore()

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
