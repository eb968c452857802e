"""The audio part of a message row: the player once the render is ready, else what the
send is doing (uploading with its progress, failed with Retry), or "Pattern only" — also
while the message waits in the outbox, which its time line says (one mark per row).

Kept apart from the rest of the row's painting (``message_delegate.py``: card, header,
words, pattern) because the player and the send states change for reasons of their own —
a new playback state, a new step that can fail. Everything here reads the model's roles
alone; the playback controller writes the player's state of each row there.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import (
    RENDER_FAILED,
    RENDER_READY,
    RENDER_UPLOADING,
)
from desktop_app.ui import render_player, theme
from desktop_app.ui.message_row_fonts import RowFonts
from desktop_app.ui.message_row_geometry import AREA_RETRY, RowLayout
from desktop_app.ui.render_player import PlayerLook

Index = QModelIndex | QPersistentModelIndex

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def failure_parts(index: Index) -> tuple[str, str]:
    """A failed row's headline (which step failed: "Could not post the message") and
    the reason after it; rows fail at different steps, so neither is fixed text."""
    error = index.data(Roles.ERROR_TEXT) or ""
    headline, sep, reason = error.partition(" — ")
    return (headline, reason) if sep else ("Not sent", error)


def failure_headline(lay: RowLayout, index: Index | None, body: QFont) -> str:
    """The headline as painted: elided so that Retry always fits in the row."""
    fm = QFontMetricsF(body)
    headline = failure_parts(index)[0] if index is not None else "Not sent"
    room = lay.render.width() - 26 - fm.horizontalAdvance(" —Retry") - 18
    return fm.elidedText(headline, Qt.TextElideMode.ElideRight, max(room, 24.0)) + " —"


def retry_rect(lay: RowLayout, index: Index | None, body: QFont) -> QRectF:
    """Where Retry is painted (and clicked) in a failed row."""
    fm = QFontMetricsF(body)
    headline = failure_headline(lay, index, body)
    x = lay.render.left() + 26 + fm.horizontalAdvance(headline) + 4
    return QRectF(x, lay.render.top(), fm.horizontalAdvance("Retry") + 10, lay.render.height())


def player_look(index: Index, hover_area: str | None = None) -> PlayerLook:
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


def clock_beside_summary(lay: RowLayout, index: Index) -> str:
    """ "elapsed / total" of a loaded row whose strip has no room for both (a narrow
    row); the strip's time slot then stays empty, so the clock is shown once."""
    if index.data(Roles.RENDER_STATE) != RENDER_READY or not index.data(Roles.LOADED):
        return ""
    if render_player.player_layout(lay.render).time.width() >= render_player.TIME_WIDTH:
        return ""
    duration = index.data(Roles.DURATION)
    if not duration:
        return ""
    position = (index.data(Roles.POSITION_MS) or 0) / 1000
    return f"{render_player.format_time(position)} / {render_player.format_time(duration)}"


def paint_audio(
    p: QPainter, lay: RowLayout, index: Index, hover_area: str | None, fonts: RowFonts
) -> None:
    state = index.data(Roles.RENDER_STATE)
    r = lay.render
    p.setFont(fonts.body)
    if state == RENDER_READY:
        render_player.paint_player(p, render_player.player_layout(lay.render),
                                   player_look(index, hover_area), fonts.mono,
                                   fonts.small)  # fmt: skip
    elif state == RENDER_UPLOADING:
        _paint_upload(p, r, index.data(Roles.UPLOAD_PROGRESS) or 0.0, fonts.body)
    elif state == RENDER_FAILED:
        _paint_failed(p, lay, index, hover_area, fonts)
    else:
        p.setPen(QColor(theme.TEXT_FAINT))
        p.drawText(r, _LEFT, "Pattern only — no audio")


def _paint_upload(p: QPainter, r: QRectF, progress: float, body: QFont) -> None:
    mid_y = r.center().y()
    text = f"Uploading audio… {round(progress * 100)}%"
    _paint_up_arrow(p, QPointF(r.left() + 9, mid_y))
    p.setPen(QColor(theme.TEXT_DIM))
    p.drawText(r.adjusted(26, 0, 0, 0), _LEFT, text)
    fm = QFontMetricsF(body)
    bar_left = r.left() + 26 + fm.horizontalAdvance("Uploading audio… 100%") + 14
    bar = QRectF(bar_left, mid_y - 2, max(0.0, r.right() - bar_left), 4)
    if bar.width() > 20:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(theme.BORDER))
        p.drawRoundedRect(bar, 2, 2)
        done = QRectF(bar.left(), bar.top(), bar.width() * min(1.0, progress), 4)
        p.setBrush(QColor(theme.ACCENT))
        p.drawRoundedRect(done, 2, 2)


def _paint_failed(
    p: QPainter, lay: RowLayout, index: Index, hover_area: str | None, fonts: RowFonts
) -> None:
    r = lay.render
    centre = QPointF(r.left() + 9, r.center().y())
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(theme.ERROR))
    p.drawEllipse(centre, 8, 8)
    p.setPen(QColor("#ffffff"))
    p.setFont(fonts.initial)
    p.drawText(QRectF(centre.x() - 8, centre.y() - 8, 16, 16),
               Qt.AlignmentFlag.AlignCenter, "!")  # fmt: skip
    p.setFont(fonts.body)
    p.setPen(QColor(theme.ERROR))
    error = failure_parts(index)[1]
    p.drawText(r.adjusted(26, 0, 0, 0), _LEFT, failure_headline(lay, index, fonts.body))
    retry = retry_rect(lay, index, fonts.body)
    f = QFont(fonts.body)
    f.setUnderline(hover_area == AREA_RETRY)
    f.setWeight(QFont.Weight.DemiBold)
    p.setFont(f)
    p.setPen(QColor(theme.ACCENT_BRIGHT))
    p.drawText(retry, Qt.AlignmentFlag.AlignCenter, "Retry")
    if error:
        p.setFont(fonts.small)
        p.setPen(QColor(theme.TEXT_FAINT))
        rest = QRectF(retry.right() + 10, r.top(), r.right() - retry.right() - 10, r.height())
        fm = QFontMetricsF(fonts.small)
        p.drawText(rest, _LEFT, fm.elidedText(error, Qt.TextElideMode.ElideRight, rest.width()))


def _paint_up_arrow(p: QPainter, c: QPointF) -> None:
    """An upward arrow: "going up to the server"."""
    p.setPen(QPen(QColor(theme.ACCENT), 1.6))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawLine(QPointF(c.x(), c.y() + 6), QPointF(c.x(), c.y() - 6))
    p.drawLine(QPointF(c.x(), c.y() - 6), QPointF(c.x() - 4.5, c.y() - 1.5))
    p.drawLine(QPointF(c.x(), c.y() - 6), QPointF(c.x() + 4.5, c.y() - 1.5))
