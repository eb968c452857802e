"""Painting the inline player of a message row (the seed's "Render UI Component").

Left to right: a 28 px circular play/pause button, the seek area — the render's waveform
with bar and beat ticks under it and, once the audio is loaded, a 2 px track with a 6 px
knob in the theme's accent — then a Loop toggle and the time. While a render downloads the
button carries a progress ring; offline and uncached it says so instead of pretending.

Pure painting and geometry: ``player_layout`` gives the rectangles, used by both
``paint_player`` and hit testing, so what is drawn is exactly what is clickable. What to
draw comes in a ``PlayerLook``, built by the delegate from the model's roles (the player's
state of each row is roles there too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from desktop_app.domain.durations import clock_text
from desktop_app.ui import theme

BUTTON = 28.0  # play/pause diameter (seed)
TRACK_HEIGHT = 2.0  # seek track (seed)
THUMB_RADIUS = 6.0  # seek knob (seed)
LOOP_SIZE = 22.0
TIME_WIDTH = 78.0
TIME_WIDTH_COMPACT = 40.0
MIN_SEEK = 120.0  # the narrowest seek bar that can still be aimed at
# play, gaps, the knob's overhang on both ends, loop: the strip's width without the seek bar
CHROME = BUTTON + 12 + THUMB_RADIUS + THUMB_RADIUS + 12 + LOOP_SIZE
MIN_WIDTH = CHROME + MIN_SEEK  # narrower strips squeeze the seek bar
WAVE_HEIGHT = 18.0
BAR_W, BAR_STEP = 2.0, 3.0
BEATS_PER_BAR = 4

AREA_PLAY = "play"
AREA_SEEK = "seek"
AREA_LOOP = "loop"

_DARK_GLYPH = "#1a1208"


@dataclass(frozen=True)
class PlayerLayout:
    area: QRectF
    play: QRectF
    seek: QRectF
    loop: QRectF
    time: QRectF

    @property
    def wave(self) -> QRectF:
        """Where the waveform bars go: the seek area less room for the tick marks."""
        mid = self.seek.center().y() - 2
        return QRectF(self.seek.left(), mid - WAVE_HEIGHT / 2, self.seek.width(), WAVE_HEIGHT)


@dataclass(frozen=True)
class PlayerLook:
    """Everything one player paints from."""

    playing: bool = False
    loaded: bool = False
    fraction: float = 0.0  # playback position 0..1
    position_s: float = 0.0
    duration_s: float | None = None
    peaks: Sequence[float] | None = None
    download: float | None = None  # 0..1 while fetching
    not_downloaded: bool = False  # offline and not cached
    error: str = ""
    loop: bool = False
    bpm: float | None = None
    steps_per_beat: int = 4
    length: int | None = None  # steps of one pattern pass
    hover: str | None = None  # AREA_* under the mouse


def player_layout(rect: QRectF) -> PlayerLayout:
    """Rectangles inside ``rect`` (the row's audio strip, 28 px high or more)."""
    r = QRectF(rect)
    top = r.center().y() - BUTTON / 2
    play = QRectF(r.left(), top, BUTTON, BUTTON)
    # Narrow rows keep the seek bar usable by giving up the time text first (the seed's
    # player has no text at all), then its elapsed part.
    spare = r.width() - MIN_WIDTH
    time_w = next((w for w in (TIME_WIDTH, TIME_WIDTH_COMPACT) if spare >= w + 8), 0.0)
    time = QRectF(r.right() - time_w, top, time_w, BUTTON)
    gap = 8 if time_w else 0
    loop = QRectF(
        time.left() - gap - LOOP_SIZE, r.center().y() - LOOP_SIZE / 2, LOOP_SIZE, LOOP_SIZE
    )
    seek_left = play.right() + 12 + THUMB_RADIUS
    seek = QRectF(seek_left, top, max(10.0, loop.left() - 12 - THUMB_RADIUS - seek_left), BUTTON)
    return PlayerLayout(r, play, seek, loop, time)


def hit_test(lay: PlayerLayout, pos: QPointF) -> str | None:
    if lay.play.adjusted(-2, -2, 2, 2).contains(pos):
        return AREA_PLAY
    if lay.seek.adjusted(-THUMB_RADIUS, 0, THUMB_RADIUS, 0).contains(pos):
        return AREA_SEEK
    if lay.loop.adjusted(-3, -3, 3, 3).contains(pos):
        return AREA_LOOP
    return None


def seek_fraction(lay: PlayerLayout, x: float) -> float:
    return min(1.0, max(0.0, (x - lay.seek.left()) / max(1.0, lay.seek.width())))


def format_time(seconds: float | None) -> str:
    """``durations.clock_text``: whole seconds cut, for the elapsed time and the total."""
    return clock_text(seconds)


def beats_in_a_bar(steps_per_beat: int = 4, length: int | None = None) -> float:
    """Four beats when a pattern pass is a whole number of four-beat bars, else one pass
    (a 12-step pattern at 4 steps per beat is a bar of 3/4)."""
    pass_beats = (length / steps_per_beat) if length and steps_per_beat else BEATS_PER_BAR
    if (
        pass_beats > BEATS_PER_BAR
        and abs(pass_beats / BEATS_PER_BAR - round(pass_beats / 4)) < 1e-9
    ):
        return float(BEATS_PER_BAR)
    return pass_beats


def bar_seconds(snapshot: object) -> float | None:
    """How long one bar of a message's pattern lasts (``beats_in_a_bar`` at its tempo);
    None without a pattern."""
    if not isinstance(snapshot, dict):
        return None
    bpm, spb, length = (
        snapshot.get("bpm"),
        snapshot.get("steps_per_beat", 4),
        snapshot.get("length"),
    )
    if not isinstance(bpm, int | float) or bpm <= 0 or not isinstance(spb, int) or spb <= 0:
        return None
    return beats_in_a_bar(spb, length if isinstance(length, int) else None) * 60.0 / bpm


def tick_fractions(
    duration_s: float | None, bpm: float | None, steps_per_beat: int = 4, length: int | None = None
) -> tuple[list[float], list[float]]:
    """(bar ticks, beat ticks) as fractions of the render, from the snapshot's tempo; a
    bar as ``beats_in_a_bar`` says. The start gets no tick."""
    if not duration_s or not bpm or bpm <= 0 or duration_s <= 0:
        return [], []
    beat = 60.0 / bpm
    beats_total = duration_s / beat
    if beats_total > 4096:
        return [], []
    bar_beats = beats_in_a_bar(steps_per_beat, length)
    bars: list[float] = []
    beats: list[float] = []
    n = 1
    while n < beats_total - 1e-6:
        f = n / beats_total
        ratio = n / bar_beats
        (bars if abs(ratio - round(ratio)) < 1e-6 else beats).append(f)
        n += 1
    return bars, beats


# ---- painting -----------------------------------------------------------------------------
def paint_player(
    p: QPainter, lay: PlayerLayout, look: PlayerLook, font: QFont, text_font: QFont | None = None
) -> None:
    """Paint the whole player; ``font`` (tabular digits) for the time, ``text_font`` for a
    notice. Leaves the painter's state as it found it."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    _paint_button(p, lay.play, look)
    _paint_ticks(p, lay, look)
    _paint_wave(p, lay, look)
    if look.loaded and not look.error:
        _paint_track(p, lay, look)
    if look.error or look.not_downloaded:
        _paint_notice(p, lay, look, text_font or font)
    _paint_loop(p, lay.loop, look)
    _paint_time(p, lay.time, look, font)
    p.restore()


def _paint_button(p: QPainter, r: QRectF, look: PlayerLook) -> None:
    c = r.center()
    hovered = look.hover == AREA_PLAY
    p.setPen(Qt.PenStyle.NoPen)
    if look.error:
        fill, glyph = QColor(theme.ERROR), QColor("#ffffff")
    elif look.not_downloaded:
        fill, glyph = QColor(theme.BG_HOVER), QColor(theme.TEXT_FAINT)
    elif look.download is not None:
        fill, glyph = QColor(theme.BG_HOVER), QColor(theme.ACCENT_BRIGHT)
    else:
        fill = QColor(theme.ACCENT_BRIGHT if hovered else theme.ACCENT)
        glyph = QColor(_DARK_GLYPH)
    p.setBrush(fill)
    p.drawEllipse(r)
    if look.download is not None:
        ring = r.adjusted(1.5, 1.5, -1.5, -1.5)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(theme.BORDER_STRONG), 2.5))
        p.drawEllipse(ring)
        pen = QPen(QColor(theme.ACCENT), 2.5)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        span = -round(360 * 16 * max(0.02, min(1.0, look.download)))
        p.drawArc(ring, 90 * 16, span)
        p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(glyph)
    if look.playing:
        p.drawRoundedRect(QRectF(c.x() - 5, c.y() - 6, 3.5, 12), 1, 1)
        p.drawRoundedRect(QRectF(c.x() + 1.5, c.y() - 6, 3.5, 12), 1, 1)
    elif look.download is not None:
        # an arrow into a tray: "coming down"
        pen = QPen(glyph, 1.8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawLine(QPointF(c.x(), c.y() - 5), QPointF(c.x(), c.y() + 3))
        p.drawLine(QPointF(c.x() - 3.5, c.y()), QPointF(c.x(), c.y() + 3.5))
        p.drawLine(QPointF(c.x() + 3.5, c.y()), QPointF(c.x(), c.y() + 3.5))
    elif look.error:
        pen = QPen(glyph, 2.2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawLine(QPointF(c.x(), c.y() - 6), QPointF(c.x(), c.y() + 1.5))
        p.drawPoint(QPointF(c.x(), c.y() + 5.5))
    else:
        tri = QPainterPath()
        tri.moveTo(c.x() - 3.5, c.y() - 6.5)
        tri.lineTo(c.x() + 6.5, c.y())
        tri.lineTo(c.x() - 3.5, c.y() + 6.5)
        tri.closeSubpath()
        p.drawPath(tri)


def _paint_ticks(p: QPainter, lay: PlayerLayout, look: PlayerLook) -> None:
    bars, beats = tick_fractions(look.duration_s, look.bpm, look.steps_per_beat, look.length)
    seek = lay.seek
    w = seek.width()
    base = lay.wave.bottom() + 3
    n_beats = len(bars) + len(beats) + 1
    p.setPen(Qt.PenStyle.NoPen)
    if beats and w / n_beats >= 4:
        p.setBrush(QColor(theme.TEXT_FAINT))
        p.drawRects([QRectF(seek.left() + f * w - 0.5, base, 1, 2) for f in beats])
    if bars and w / max(1, len(bars) + 1) >= 3:
        p.setBrush(QColor(theme.TEXT_DIM))
        p.drawRects([QRectF(seek.left() + f * w - 0.5, base, 1, 5) for f in bars])


def _paint_wave(p: QPainter, lay: PlayerLayout, look: PlayerLook) -> None:
    wave = lay.wave
    played_x = wave.left() + wave.width() * look.fraction if look.loaded else wave.left()
    dim = look.not_downloaded or bool(look.error)
    played = theme.color(theme.ACCENT, 110 if dim else 255)
    rest = QColor(theme.TEXT_FAINT if look.hover == AREA_SEEK else theme.BORDER_STRONG)
    if dim:
        rest.setAlpha(110)
    mid, half = wave.center().y(), wave.height() / 2
    peaks = look.peaks
    p.setPen(Qt.PenStyle.NoPen)
    if not peaks:
        # No peaks yet (being computed): a flat line, not a made-up shape.
        p.setBrush(rest)
        p.drawRoundedRect(QRectF(wave.left(), mid - 1, wave.width(), 2), 1, 1)
        return
    count = max(1, int(wave.width() // BAR_STEP))
    n = len(peaks)
    done: list[QRectF] = []
    todo: list[QRectF] = []
    for i in range(count):
        lo = i * n // count
        hi = max(lo + 1, (i + 1) * n // count)
        h = max(1.0, min(1.0, float(max(peaks[lo:hi]))) * half)
        x = wave.left() + i * BAR_STEP
        (done if x + BAR_W <= played_x else todo).append(QRectF(x, mid - h, BAR_W, h * 2))
    p.setBrush(played)
    p.drawRects(done)
    p.setBrush(rest)
    p.drawRects(todo)
    if look.download is not None:
        # the part already on disk, as a thin line under the waveform
        line = QRectF(wave.left(), wave.bottom() + 1, wave.width() * look.download, 1.5)
        p.setBrush(theme.color(theme.ACCENT_BRIGHT, 200))
        p.drawRect(line)


def _paint_track(p: QPainter, lay: PlayerLayout, look: PlayerLook) -> None:
    """The seed's seek bar: a 2 px track and a 6 px knob, shown once the audio is loaded."""
    wave = lay.wave
    y = wave.center().y()
    x = wave.left() + wave.width() * min(1.0, max(0.0, look.fraction))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(theme.color(theme.TEXT, 70))
    p.drawRoundedRect(QRectF(x, y - TRACK_HEIGHT / 2, wave.right() - x, TRACK_HEIGHT), 1, 1)
    p.setBrush(QColor(theme.ACCENT))
    p.drawRoundedRect(
        QRectF(wave.left(), y - TRACK_HEIGHT / 2, x - wave.left(), TRACK_HEIGHT), 1, 1
    )
    p.setPen(QPen(QColor(theme.BG_DEEP), 1.5))
    p.setBrush(QColor(theme.ACCENT_BRIGHT if look.hover == AREA_SEEK else theme.ACCENT))
    p.drawEllipse(QPointF(x, y), THUMB_RADIUS, THUMB_RADIUS)


def _paint_notice(p: QPainter, lay: PlayerLayout, look: PlayerLook, font: QFont) -> None:
    text = look.error or "Not downloaded — available when the server is back"
    colour = QColor(theme.ERROR if look.error and not look.not_downloaded else theme.TEXT_DIM)
    f = QFont(font)
    fm = QFontMetricsF(f)
    r = lay.wave.adjusted(0, -2, 0, 2)
    text = fm.elidedText(text, Qt.TextElideMode.ElideRight, r.width() - 16)
    box = QRectF(0, 0, fm.horizontalAdvance(text) + 14, fm.height() + 4)
    box.moveCenter(r.center())
    box.moveLeft(r.left())
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(theme.color(theme.BG_DEEP, 225))
    p.drawRoundedRect(box, box.height() / 2, box.height() / 2)
    p.setFont(f)
    p.setPen(colour)
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _paint_loop(p: QPainter, r: QRectF, look: PlayerLook) -> None:
    hovered = look.hover == AREA_LOOP
    if look.loop:
        p.setPen(QPen(QColor(theme.ACCENT_DIM), 1))
        p.setBrush(theme.color(theme.ACCENT, 45))
        colour = QColor(theme.ACCENT_BRIGHT)
    else:
        p.setPen(QPen(QColor(theme.BORDER_STRONG if hovered else theme.BORDER), 1))
        p.setBrush(QColor(theme.BG_HOVER) if hovered else Qt.BrushStyle.NoBrush)
        colour = QColor(theme.TEXT if hovered else theme.TEXT_FAINT)
    p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
    # two arrows chasing each other round a rounded rectangle
    c = r.center()
    pen = QPen(colour, 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    w, h = 5.5, 3.5
    top = QPainterPath()
    top.moveTo(c.x() - w, c.y() + 0.5)
    top.lineTo(c.x() - w, c.y() - h + 1.5)
    top.quadTo(c.x() - w, c.y() - h, c.x() - w + 1.5, c.y() - h)
    top.lineTo(c.x() + w - 1, c.y() - h)
    p.drawPath(top)
    p.drawLine(QPointF(c.x() + w - 3, c.y() - h - 2), QPointF(c.x() + w - 1, c.y() - h))
    p.drawLine(QPointF(c.x() + w - 3, c.y() - h + 2), QPointF(c.x() + w - 1, c.y() - h))
    bottom = QPainterPath()
    bottom.moveTo(c.x() + w, c.y() - 0.5)
    bottom.lineTo(c.x() + w, c.y() + h - 1.5)
    bottom.quadTo(c.x() + w, c.y() + h, c.x() + w - 1.5, c.y() + h)
    bottom.lineTo(c.x() - w + 1, c.y() + h)
    p.drawPath(bottom)
    p.drawLine(QPointF(c.x() - w + 3, c.y() + h - 2), QPointF(c.x() - w + 1, c.y() + h))
    p.drawLine(QPointF(c.x() - w + 3, c.y() + h + 2), QPointF(c.x() - w + 1, c.y() + h))


def time_text(look: PlayerLook, width: float) -> str:
    """What the time slot ``width`` px wide says. A loaded player's clock needs the full
    slot: with less (or none) the row shows "elapsed / total" beside its summary line
    instead, so the slot stays empty rather than repeat the elapsed time."""
    if width <= 0:
        return ""
    if look.download is not None:
        return f"{round(look.download * 100)}%"
    if look.loaded and look.duration_s:
        if width < TIME_WIDTH:
            return ""
        return f"{format_time(look.position_s)} / {format_time(look.duration_s)}"
    return format_time(look.duration_s) if look.duration_s else ""


def _paint_time(p: QPainter, r: QRectF, look: PlayerLook, font: QFont) -> None:
    text = time_text(look, r.width())
    if not text:
        return
    p.setFont(font)
    p.setPen(QColor(theme.TEXT if look.loaded else theme.TEXT_DIM))
    p.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
