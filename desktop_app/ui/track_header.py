"""Per-track controls left of the grid: name, mute, solo, volume, pan and a track menu.

Rows are exactly as tall as the grid's (``GridMetrics.row_height``, taller with the pads
on a big screen) and start at ``TOP_PADDING`` like the grid's, and the column follows the
grid's vertical scroll, so each header stays beside its row.

A track with its own sound shows it in a small line under its name — the
file's name, or "missing sound" when the sample is not here — with its pitch, decay and
choke group when they differ from the defaults. Audio files dropped on a header become
that track's sound; dropped under the last header, a new track (``track_sound``).

In a narrow window the headers are compact (``COMPACT_HEADER_WIDTH``): name, M, S and
the menu stay, the volume and pan faders move into a popup opened from the menu
("Volume and pan…"), and a thin line under the name still shows each track's volume.
At 760 px the full headers took 300 px and left the grid three of sixteen steps.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QPoint, QSize, Signal
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QSizePolicy,
    QSpacerItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.track import Track, default_choke
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme
from desktop_app.ui.elided_label import ElidedLabel
from desktop_app.ui.grid_geometry import BOTTOM_PADDING, ROW_HEIGHT, TOP_PADDING, GridMetrics
from desktop_app.ui.menu_button import forget_hover_when_closed
from desktop_app.ui.track_mix_popup import TrackMixPopup, mix_bars
from desktop_app.ui.track_name_edit import NameEdit
from desktop_app.ui.track_popup import TrackPopup
from desktop_app.ui.track_sound import (
    TrackSoundPopup,
    accept_audio_drag,
    drop_new_track,
    drop_on_track,
    pick_sample,
)

HEADER_WIDTH = 300
COMPACT_HEADER_WIDTH = 144

_BUTTON_SHEET = f"""
QToolButton {{
    background: {theme.BG_RAISED}; color: {theme.TEXT_DIM}; border: 1px solid {theme.BORDER};
    border-radius: 3px; font-weight: bold; padding: 0;
}}
QToolButton:hover {{ background: {theme.BG_HOVER}; color: {theme.TEXT}; }}
QToolButton#mute:checked {{ background: {theme.MUTE}; color: #1b1602; border-color: {theme.MUTE}; }}
QToolButton#solo:checked {{ background: {theme.SOLO}; color: #03170a; border-color: {theme.SOLO}; }}
QToolButton#menu {{ border: none; background: transparent; color: {theme.TEXT_FAINT}; }}
QToolButton#menu:hover {{ color: {theme.TEXT}; }}
QToolButton#menu::menu-indicator {{ image: none; width: 0; }}
"""


def sound_line(track: Track, missing: bool) -> str:
    """The small line under a track's name: its own sound and what shapes it ("" for a kit
    sound played as it is, so the usual rows stay one line)."""
    parts = []
    if missing:
        parts.append("missing sound")
    elif track.own_sample:
        parts.append(track.sound_label)
    if track.pitch:
        parts.append(f"{track.pitch:+g} st")
    if track.decay is not None:
        parts.append(f"{track.decay:g} s")
    if track.choke_group != default_choke(track):
        parts.append(f"choke {track.choke_group}" if track.choke_group else "no choke")
    return " · ".join(parts)


class TrackHeader(QWidget):
    """The controls of one track, bound to ``state`` by index."""

    def __init__(self, state: SequencerState, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.index = index
        self.setFixedHeight(ROW_HEIGHT)
        self.setStyleSheet(_BUTTON_SHEET)
        self.setAcceptDrops(True)
        self._popup: TrackSoundPopup | None = None
        self._mix_popup: TrackMixPopup | None = None
        self.compact = False
        self._row_gap = GridMetrics().row_gap

        self.name_edit = NameEdit(self)
        self.name_edit.setMinimumWidth(60)
        self.name_edit.committed.connect(self._rename)
        self.sound_label = ElidedLabel("", self)
        self.sound_label.setObjectName("sound")
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.78))
        self.sound_label.setFont(small)
        self.sound_label.hide()

        self.mute_button = self._toggle("M", "mute", "Mute this track")
        self.mute_button.toggled.connect(lambda on: state.set_mute(self.index, on))
        self.solo_button = self._toggle("S", "solo", "Solo: hear only soloed tracks")
        self.solo_button.toggled.connect(lambda on: state.set_solo(self.index, on))

        self.volume_bar, self.pan_bar = mix_bars(state, lambda: self.index, self)
        self.volume_bar.setFixedWidth(62)
        self.pan_bar.setFixedWidth(42)

        self.menu_button = QToolButton(self)
        self.menu_button.setObjectName("menu")
        self.menu_button.setText("⋮")
        self.menu_button.setToolTip("Track actions")
        self.menu_button.setFixedSize(16, 24)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setMenu(self._build_menu())
        forget_hover_when_closed(self.menu_button, self.menu_button.menu())
        chain = self.focus_chain()
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

        names = QVBoxLayout()
        names.setContentsMargins(0, 0, 0, 0)
        names.setSpacing(0)
        names.addStretch(1)
        names.addWidget(self.name_edit)
        names.addWidget(self.sound_label)
        names.addStretch(1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 0, 6, 0)
        layout.setSpacing(4)
        layout.addLayout(names, 1)
        layout.addWidget(self.mute_button)
        layout.addWidget(self.solo_button)
        self._fader_gap = QSpacerItem(2, 0)
        layout.addSpacerItem(self._fader_gap)
        layout.addWidget(self.volume_bar)
        layout.addWidget(self.pan_bar)
        layout.addWidget(self.menu_button)
        self._layout = layout
        self.refresh()

    def set_row(self, height: int, gap: int) -> None:
        """The grid's row height and the gap between its pads' rows."""
        self._row_gap = gap
        self.setFixedHeight(height)
        self.update()

    def focus_chain(self) -> list[QWidget]:
        """What Tab goes through in this header, in order (hidden ones are skipped)."""
        return [self.name_edit, self.mute_button, self.solo_button, self.volume_bar,
                self.pan_bar, self.menu_button]  # fmt: skip

    def set_compact(self, compact: bool) -> None:
        """Name, M, S and the menu only; volume and pan through "Volume and pan…"."""
        self.compact = compact
        self.volume_bar.setVisible(not compact)
        self.pan_bar.setVisible(not compact)
        self.mix_action.setVisible(compact)
        self._fader_gap.changeSize(0 if compact else 2, 0)
        # every pixel to the name: "Closed hat" still reads whole in 144 px
        for button in (self.mute_button, self.solo_button):
            button.setFixedSize(20 if compact else 24, 22)
        self.menu_button.setFixedSize(12 if compact else 16, 24)
        self._layout.setContentsMargins(8 if compact else 10, 0, 2 if compact else 6, 0)
        self._layout.setSpacing(2 if compact else 4)
        self._layout.invalidate()
        if not compact and self._mix_popup is not None:
            self._mix_popup.close()
        self.update()

    def _toggle(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setFixedSize(24, 22)
        return button

    def _build_menu(self) -> QMenu:
        menu = QMenu(self)
        rename = QAction("Rename…", menu)
        rename.triggered.connect(self.name_edit.start_editing)
        duplicate = QAction("Duplicate", menu)
        duplicate.triggered.connect(lambda: self._state.duplicate_track(self.index))
        clear = QAction("Clear steps", menu)
        clear.triggered.connect(lambda: self._state.clear_track(self.index))
        remove = QAction("Remove track", menu)
        remove.triggered.connect(lambda: self._state.remove_track(self.index))
        self.sample_action = QAction("Sample…", menu)
        self.sample_action.setToolTip("Play an audio file of yours on this track")
        self.sample_action.triggered.connect(lambda: pick_sample(self._state, self.index, self))
        self.builtin_action = QAction("Built-in sound", menu)
        self.builtin_action.triggered.connect(lambda: self._state.use_builtin_sound(self.index))
        self.shape_action = QAction("Pitch, decay, choke…", menu)
        self.shape_action.triggered.connect(self.open_sound_popup)
        self.mix_action = QAction("Volume and pan…", menu)
        self.mix_action.setToolTip("This track's volume and pan (the narrow window hides them)")
        self.mix_action.triggered.connect(self.open_mix_popup)
        self.mix_action.setVisible(False)
        menu.addAction(self.mix_action)
        menu.addActions([rename, duplicate, clear])
        menu.addSeparator()
        menu.addActions([self.sample_action, self.builtin_action, self.shape_action])
        menu.addSeparator()
        menu.addAction(remove)
        return menu

    def open_sound_popup(self) -> TrackSoundPopup:
        """The pitch/decay/choke popup, under this header."""
        if self._popup is None:
            self._popup = TrackSoundPopup(self._state, self.index, self)
        self._show_under(self._popup)
        return self._popup

    def open_mix_popup(self) -> TrackMixPopup:
        """Volume and pan of this track, under its header (the compact header's faders)."""
        if self._mix_popup is None:
            self._mix_popup = TrackMixPopup(self._state, self.index, self)
        self._show_under(self._mix_popup)
        return self._mix_popup

    def _show_under(self, popup: TrackPopup) -> None:
        popup.index = self.index  # the header may stand for another track by now
        popup.show_at(
            self.mapToGlobal(self.rect().bottomLeft()), above=self.mapToGlobal(QPoint(0, 0)).y()
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_audio_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        drop_on_track(self._state, self.index, event)

    def refresh(self) -> None:
        """Show the track's current values without emitting edits."""
        pattern = self._state.pattern
        track = pattern.tracks[self.index]
        self.name_edit.set_name(track.name)
        for button, value in ((self.mute_button, track.mute), (self.solo_button, track.solo)):
            button.blockSignals(True)
            button.setChecked(value)
            button.blockSignals(False)
        self.volume_bar.set_value(track.volume)
        self.pan_bar.set_value(track.pan)
        self._audible = pattern.audible(self.index)
        missing = self._state.sound_missing(self.index)
        line = sound_line(track, missing)
        self.sound_label.setText(line)
        self.sound_label.setVisible(bool(line))
        colour = theme.WARNING if missing else theme.TEXT_DIM
        self.sound_label.setStyleSheet(f"color: {colour}; padding: 0 3px;")
        self.sound_label.setToolTip(
            f"{track.sound_label}: not in the sample cache (deleted, or not downloaded); "
            "this track is silent"
            if missing
            else f"Plays {track.sound_label}"
        )
        self.builtin_action.setEnabled(track.own_sample)
        self._volume, self._pan = track.volume, track.pan
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        half = self._row_gap // 2
        r = self.rect().adjusted(0, half, 0, -(self._row_gap - half))
        painter.fillRect(r, theme.color(theme.BG_RAISED))
        stripe = theme.ACCENT if self._audible else theme.BORDER_STRONG
        painter.fillRect(r.adjusted(0, 0, -(r.width() - 3), 0), theme.color(stripe))
        if self.compact:  # the hidden volume fader's level, as a thin line under the name
            left = self.name_edit.x() + 2
            span = max(0, self.name_edit.width() - 4)
            y = r.bottom() - 4
            painter.fillRect(left, y, span, 2, theme.color(theme.BG_DEEP))
            painter.fillRect(left, y, round(span * self._volume), 2, theme.color(theme.ACCENT, 150))

    def _rename(self, name: str) -> None:
        self._state.rename_track(self.index, name)


class TrackHeaderColumn(QWidget):
    """All track headers, stacked like the grid's rows; rebuilt when the track count
    changes, refreshed in place otherwise (so a fader being dragged is never replaced)."""

    def __init__(self, state: SequencerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.state = state
        self.headers: list[TrackHeader] = []
        self.compact = False
        self.metrics = GridMetrics()
        self.setFixedWidth(HEADER_WIDTH)
        state.patternChanged.connect(self._sync)
        self._sync()

    @property
    def header_width(self) -> int:
        return COMPACT_HEADER_WIDTH if self.compact else HEADER_WIDTH

    def set_compact(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        self.setFixedWidth(self.header_width)
        self._sync()

    def set_metrics(self, metrics: GridMetrics) -> None:
        """The grid's rows changed height (its pads grew or shrank): follow them."""
        resized = (metrics.row_height, metrics.row_gap) != (
            self.metrics.row_height,
            self.metrics.row_gap,
        )
        self.metrics = metrics
        if resized:
            self._sync()

    def _sync(self) -> None:
        tracks = self._state.pattern.tracks
        rows = self.metrics
        while len(self.headers) > len(tracks):
            header = self.headers.pop()
            header.hide()  # gone now, even before the deferred delete runs
            header.deleteLater()
        while len(self.headers) < len(tracks):
            header = TrackHeader(self._state, len(self.headers), self)
            if self.headers:  # a track added later: Tab still goes down the headers
                chain = [self.headers[-1].focus_chain()[-1], *header.focus_chain()]
                for before, after in pairwise(chain):
                    QWidget.setTabOrder(before, after)
            header.show()
            self.headers.append(header)
        for i, header in enumerate(self.headers):
            if header.compact != self.compact:
                header.set_compact(self.compact)
            header.set_row(rows.row_height, rows.row_gap)
            header.setGeometry(0, rows.row_y(i), self.header_width, rows.row_height)
            header.refresh()
        self.setFixedHeight(rows.content_height(len(tracks)))

    def sizeHint(self) -> QSize:
        return QSize(self.header_width, self.height())


class HeaderViewport(QWidget):
    """Clips the header column and moves it with the grid's vertical scroll bar; the wheel
    over the headers scrolls the grid (the headers have no scroll bar of their own). An
    audio file dropped under the headers becomes a new track."""

    scrollRequested = Signal(int)  # wheel delta in pixels

    def __init__(self, column: TrackHeaderColumn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.column = column
        column.setParent(self)
        column.move(0, 0)
        self.setFixedWidth(column.width())
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def set_offset(self, y: int) -> None:
        self.column.move(0, -y)

    def set_compact(self, compact: bool) -> None:
        self.column.set_compact(compact)
        self.setFixedWidth(self.column.width())

    def sizeHint(self) -> QSize:
        return QSize(self.column.width(), self.column.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.column.width(), ROW_HEIGHT + TOP_PADDING + BOTTOM_PADDING)

    def wheelEvent(self, event) -> None:  # QWheelEvent
        self.scrollRequested.emit(-event.angleDelta().y() // 3)
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_audio_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        drop_new_track(self.column.state, event)

    def paintEvent(self, event: QPaintEvent) -> None:
        QPainter(self).fillRect(self.rect(), theme.color(theme.BG_DEEP))
