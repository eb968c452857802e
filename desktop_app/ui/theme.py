"""The app's dark look: one palette and one accent, shared by every widget.

Colours are hex strings so they work both in ``QColor(...)`` and in style sheets. Custom
painted widgets (grid, meters, waveforms) take their colours from here rather than from
``QPalette`` so the look is the same on every platform style.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

# ---- base surfaces (darkest to lightest) ------------------------------------------------
BG_DEEP = "#121417"  # behind everything: grid background, window
BG = "#1a1d21"  # panels
BG_RAISED = "#23272d"  # headers, toolbars, inputs
BG_HOVER = "#2c3139"
BORDER = "#343a43"
BORDER_STRONG = "#4a525e"

# ---- text -------------------------------------------------------------------------------
TEXT = "#e6e8eb"
TEXT_DIM = "#9aa3ad"
TEXT_FAINT = "#646d78"

# ---- accents ----------------------------------------------------------------------------
ACCENT = "#ff8a1f"  # the drum-machine orange: active steps, primary buttons, focus
ACCENT_BRIGHT = "#ffb15c"
ACCENT_DIM = "#7a4514"
PLAYHEAD = "#4fd1c5"  # the step being heard now
RECORD = "#ef4444"  # record button, recording indicator
MUTE = "#eab308"  # mute toggled on
SOLO = "#22c55e"  # solo toggled on
SUCCESS = "#22c55e"
WARNING = "#eab308"
ERROR = "#ef4444"

# ---- step grid --------------------------------------------------------------------------
STEP_OFF = "#2a2f36"  # an empty step
STEP_OFF_BEAT = "#333942"  # an empty step on a beat's first column

# ---- level meter ------------------------------------------------------------------------
METER_LOW = "#22c55e"
METER_MID = "#eab308"
METER_HIGH = "#ef4444"

RADIUS = 4  # corner radius for cells and buttons, px


def color(name: str, alpha: int | None = None) -> QColor:
    """A ``QColor`` from one of the hex constants, optionally with alpha 0-255."""
    c = QColor(name)
    if alpha is not None:
        c.setAlpha(alpha)
    return c


def mix(a: str | QColor, b: str | QColor, t: float) -> QColor:
    """Linear blend from ``a`` (t=0) to ``b`` (t=1); used for velocity shades."""
    ca, cb = QColor(a), QColor(b)
    t = min(1.0, max(0.0, t))
    return QColor(
        round(ca.red() + (cb.red() - ca.red()) * t),
        round(ca.green() + (cb.green() - ca.green()) * t),
        round(ca.blue() + (cb.blue() - ca.blue()) * t),
    )


def dark_palette() -> QPalette:
    """A ``QPalette`` matching the constants, for stock widgets (menus, dialogs, scrollbars)."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: BG,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BG_DEEP,
        QPalette.ColorRole.AlternateBase: BG_RAISED,
        QPalette.ColorRole.ToolTipBase: BG_RAISED,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: TEXT_FAINT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: BG_RAISED,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: ACCENT_BRIGHT,
        QPalette.ColorRole.Light: BORDER_STRONG,
        QPalette.ColorRole.Midlight: BORDER,
        QPalette.ColorRole.Mid: BG_HOVER,
        QPalette.ColorRole.Dark: BG_DEEP,
        QPalette.ColorRole.Shadow: "#000000",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#1a1208",
        QPalette.ColorRole.Link: ACCENT_BRIGHT,
        QPalette.ColorRole.LinkVisited: ACCENT,
    }
    for role, value in roles.items():
        p.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(TEXT_FAINT))
    return p


STYLE_SHEET = f"""
QToolTip {{ color: {TEXT}; background: {BG_RAISED}; border: 1px solid {BORDER}; }}
QScrollBar:horizontal {{ height: 10px; background: {BG_DEEP}; margin: 0; }}
QScrollBar:vertical {{ width: 10px; background: {BG_DEEP}; margin: 0; }}
QScrollBar::handle {{ background: {BORDER_STRONG}; border-radius: 4px; min-width: 24px;
    min-height: 24px; }}
QScrollBar::handle:hover {{ background: {TEXT_FAINT}; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
QMenu {{ background: {BG_RAISED}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QMenu::item {{ padding: 5px 18px; border-radius: 3px; }}
QMenu::item:selected {{ background: {ACCENT}; color: #1a1208; }}
QMenu::item:disabled {{ color: {TEXT_FAINT}; background: transparent; }}
QMenu::separator {{ height: 1px; background: {BORDER}; margin: 4px 6px; }}
"""


def apply(app: QApplication) -> None:
    """Give the whole application the dark look (Fusion style + palette + a small sheet)."""
    from desktop_app.ui.indicator_style import DarkIndicators  # it draws with this module

    app.setStyle(DarkIndicators("Fusion"))
    app.setPalette(dark_palette())
    app.setStyleSheet(app.styleSheet() + STYLE_SHEET)


def mono_font(point_size: float | None = None) -> QFont:
    """Tabular digits for counters (BPM, elapsed time) so they do not jitter as they change."""
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    if point_size is not None:
        font.setPointSizeF(point_size)
    return font
