"""Where everything in a message row is: one function lays out every rectangle of a row,
for painting *and* hit testing, so what is drawn is exactly what is clickable.

Kept apart from the painting (``message_delegate.py``, ``message_row_audio.py``) because
the geometry changes for reasons of its own — a new part of a row, a narrower window —
and the view, the delegate and the tests that click what is painted all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PySide6.QtCore import QRect, QRectF

from desktop_app.ui import render_player

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
