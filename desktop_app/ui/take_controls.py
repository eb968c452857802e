"""The transport's take controls: a metronome switch, a menu of how takes are made and the
master volume.

Everything is bound to ``TakeOptions``: the widgets show its values and follow its
``changed`` signal (so a change made elsewhere - the menu, a test, the settings file at
start - shows here), and the user's edits go to its setters, never to the engine directly.

The menu holds what a musician sets once per session rather than per take: the click's
own volume and whether takes get it, the count-in, the take's length in bars and "stop at
the end of the bar". The switch itself sits on the bar, since the click is turned on and
off all the time.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from desktop_app.state.take_options import COUNT_IN_CHOICES, RECORD_BAR_CHOICES, TakeOptions
from desktop_app.ui import theme
from desktop_app.ui.menu_button import forget_hover_when_closed
from desktop_app.ui.value_bar import ValueBar

ICON = 16

_SHEET = f"""
QToolButton#metronome, QToolButton#takeOptions {{
    background: {theme.BG_RAISED}; border: 1px solid {theme.BORDER}; border-radius: 6px;
    padding: 0;
}}
QToolButton#metronome:hover, QToolButton#takeOptions:hover {{
    background: {theme.BG_HOVER}; border-color: {theme.BORDER_STRONG};
}}
QToolButton#metronome:checked {{ border-color: {theme.ACCENT}; }}
QToolButton#takeOptions::menu-indicator {{ image: none; width: 0; }}
"""


def icon_canvas(size: int) -> tuple[QPixmap, QPainter]:
    """A transparent, antialiased canvas for a painted ``size``-pixel icon, drawn at twice
    the resolution so it stays crisp on high-density screens."""
    ratio = 2.0
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def _fill(painter: QPainter, color: str, s: float, *points: tuple[float, float]) -> None:
    """A filled polygon; ``points`` are fractions of the icon's size ``s``."""
    painter.setBrush(QColor(color))
    painter.drawPolygon(QPolygonF([QPointF(s * x, s * y) for x, y in points]))


def metronome_icon(color: str, size: int = ICON) -> QIcon:
    """A metronome: a tapering body with its pendulum leaning right."""
    pixmap, painter = icon_canvas(size)
    s = float(size)
    painter.setPen(Qt.PenStyle.NoPen)
    _fill(painter, color, s, (0.38, 0.08), (0.62, 0.08), (0.84, 0.92), (0.16, 0.92))
    _fill(painter, theme.BG_RAISED, s, (0.44, 0.24), (0.56, 0.24), (0.68, 0.70), (0.32, 0.70))
    _fill(painter, color, s, (0.47, 0.70), (0.53, 0.70), (0.78, 0.22), (0.72, 0.20))
    painter.end()
    return QIcon(pixmap)


def chevron_icon(color: str, size: int = ICON) -> QIcon:
    """A small downward triangle: this button opens a menu."""
    pixmap, painter = icon_canvas(size)
    painter.setPen(Qt.PenStyle.NoPen)
    _fill(painter, color, float(size), (0.18, 0.36), (0.82, 0.36), (0.5, 0.68))
    painter.end()
    return QIcon(pixmap)


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def bars_text(bars: int) -> str:
    return "1 bar" if bars == 1 else f"{bars} bars"


class _SliderRow(QWidget):
    """A labelled 0-100 % slider for a menu (the click's volume)."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(32, 4, 14, 4)  # the label lines up with the items' text
        layout.setSpacing(8)
        self.label = QLabel(label, self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 100)
        self.slider.setMinimumWidth(110)
        self.value_label = QLabel("100%", self)
        self.value_label.setMinimumWidth(self.value_label.sizeHint().width())
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider.valueChanged.connect(lambda v: self.value_label.setText(f"{v}%"))
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.value_label)


class TakeOptionsMenu(QMenu):
    """Metronome, count-in, take length and "stop at the end of the bar", as a menu whose
    checks always show ``options``."""

    def __init__(self, options: TakeOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._options = options
        self.setToolTipsVisible(True)

        self._header("Metronome")
        self.metronome_action = self._check("Click on every beat", options.set_metronome_enabled)
        self.click_volume = _SliderRow("Click volume", self)
        self.click_volume.slider.valueChanged.connect(
            lambda v: options.set_metronome_volume(v / 100)
        )
        row = QWidgetAction(self)
        row.setDefaultWidget(self.click_volume)
        self.addAction(row)
        self.record_click_action = self._check("Record the click too", options.set_record_click)
        self.record_click_action.setToolTip("Off: you hear the click, the take does not contain it")

        self.addSeparator()
        self._header("Count-in")
        self.count_in_actions = self._choices(
            COUNT_IN_CHOICES,
            lambda n: "No count-in" if n == 0 else f"Count in {bars_text(n)}",
            options.set_count_in_bars,
        )

        self.addSeparator()
        self._header("Take length")
        self.length_actions = self._choices(
            RECORD_BAR_CHOICES,
            lambda n: "Until stopped" if n == 0 else f"Record {bars_text(n)}",
            options.set_record_bars,
        )
        self.addSeparator()
        self.stop_at_bar_action = self._check(
            "Stop at the end of the bar", options.set_stop_at_bar_end
        )
        self.stop_at_bar_action.setToolTip(
            "Stopping a take waits for the next bar line, so the take loops whole"
            " (stop again to end it at once)"
        )
        options.changed.connect(self.show_options)
        self.show_options()

    def _header(self, text: str) -> None:
        """A group's title (the app's style sheet draws ``addSection`` as a bare line)."""
        label = QLabel(text.upper(), self)
        label.setObjectName("menuHeader")
        label.setStyleSheet(
            f"QLabel#menuHeader {{ color: {theme.TEXT_FAINT}; font-size: 9px;"
            " font-weight: bold; letter-spacing: 1px; padding: 6px 12px 2px 14px; }"
        )
        action = QWidgetAction(self)
        action.setDefaultWidget(label)
        action.setEnabled(False)
        self.addAction(action)

    def _check(self, text: str, setter: Callable[[bool], None]) -> QAction:
        action = QAction(text, self)
        action.setCheckable(True)
        action.toggled.connect(setter)
        self.addAction(action)
        return action

    def _choices(
        self,
        values: tuple[int, ...],
        label: Callable[[int], str],
        setter: Callable[[int], None],
    ) -> dict[int, QAction]:
        group = QActionGroup(self)
        group.setExclusive(True)
        actions: dict[int, QAction] = {}
        for n in values:
            action = QAction(label(n), self)
            action.setCheckable(True)
            group.addAction(action)
            self.addAction(action)
            action.triggered.connect(lambda _c=False, n=n: setter(n))
            actions[n] = action
        return actions

    def show_options(self) -> None:
        """Checks and slider from the options (blocking signals: showing is not editing)."""
        o = self._options
        for action, on in (
            (self.metronome_action, o.metronome.enabled),
            (self.record_click_action, o.metronome.record),
            (self.stop_at_bar_action, o.stop_at_bar_end),
        ):
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
        slider = self.click_volume.slider
        slider.blockSignals(True)
        slider.setValue(round(o.metronome.volume * 100))
        slider.blockSignals(False)
        self.click_volume.value_label.setText(f"{slider.value()}%")
        for actions, current in (
            (self.count_in_actions, o.count_in_bars),
            (self.length_actions, o.record_bars),
        ):
            if current not in actions:  # a length set in the file that the menu does not list
                extra = QAction(f"Record {bars_text(current)}", self)
                extra.setCheckable(True)
                extra.setEnabled(False)
                self.addAction(extra)
                actions[current] = extra
            for n, action in actions.items():
                action.setChecked(n == current)


class TakeControls(QWidget):
    """The metronome switch and the take-options menu button, side by side."""

    def __init__(self, options: TakeOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._options = options
        self.setStyleSheet(_SHEET)
        self._icons = {
            True: metronome_icon(theme.ACCENT),
            False: metronome_icon(theme.TEXT_DIM),
        }
        self.metronome_button = QToolButton(self)
        self.metronome_button.setObjectName("metronome")
        self.metronome_button.setCheckable(True)
        self.metronome_button.setFixedSize(QSize(32, 36))
        self.metronome_button.setIconSize(QSize(ICON, ICON))
        self.metronome_button.toggled.connect(options.set_metronome_enabled)

        self.menu = TakeOptionsMenu(options, self)
        self.options_button = QToolButton(self)
        self.options_button.setObjectName("takeOptions")
        self.options_button.setIcon(chevron_icon(theme.TEXT_DIM))
        self.options_button.setIconSize(QSize(ICON, ICON))
        self.options_button.setFixedSize(QSize(22, 36))
        self.options_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.options_button.setMenu(self.menu)
        forget_hover_when_closed(self.options_button, self.menu)
        self.options_button.setToolTip("How takes are made: metronome, count-in, length")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.metronome_button)
        layout.addWidget(self.options_button)
        options.changed.connect(self._show)
        self._show()

    def _show(self) -> None:
        on = self._options.metronome.enabled
        button = self.metronome_button
        button.blockSignals(True)
        button.setChecked(on)
        button.blockSignals(False)
        button.setIcon(self._icons[on])
        volume = _percent(self._options.metronome.volume)
        button.setToolTip(f"Metronome {'on' if on else 'off'} (click at {volume}; more in ▾)")


class MasterVolumeBar(ValueBar):
    """The speakers' level (takes keep the mix's own level), heard as it is dragged."""

    def __init__(self, options: TakeOptions, parent: QWidget | None = None) -> None:
        super().__init__(0.0, 1.0, 1.0, formatter=lambda v: f"Out {_percent(v)}", parent=parent)
        self.setObjectName("masterVolume")
        self.setFixedWidth(76)
        self.setToolTip(
            "Master volume: what you hear (takes and renders keep their level)"
            " — drag, wheel, double-click for 100%"
        )
        self._options = options
        self.valueEdited.connect(options.set_master_volume)
        options.changed.connect(lambda: self.set_value(options.master_volume))
        self.set_value(options.master_volume)
