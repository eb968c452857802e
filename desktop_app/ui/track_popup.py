"""The small popups a track header opens (its sound; its volume and pan when the header
is compact): a title and a form of controls about one track, kept in step with the
pattern, closed when their track is gone, and placed where the screen has room."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QWidget

from desktop_app.domain.track import Track
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.ui import theme


class TrackPopup(QFrame):
    """Subclasses add their rows to ``form``, call ``follow_the_pattern()`` once built, and
    show a track's values in ``show_track``; ``first`` takes the focus when shown."""

    def __init__(
        self, state: SequencerState, index: int, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName(name)
        self.setStyleSheet(
            f"QFrame#{name} {{ background: {theme.BG_RAISED};"
            f" border: 1px solid {theme.BORDER_STRONG}; border-radius: 4px; }}"
            f" QLabel {{ color: {theme.TEXT_DIM}; }}"
            f" QLabel#title {{ color: {theme.TEXT}; font-weight: bold; }}"
        )
        self._state = state
        self.index = index
        self.title = QLabel(self)
        self.title.setObjectName("title")
        self.form = QFormLayout(self)
        self.form.setContentsMargins(10, 8, 10, 10)
        self.form.setSpacing(6)
        self.form.addRow(self.title)
        self.first: QWidget = self.title

    def follow_the_pattern(self) -> None:
        self.refresh()
        self._state.patternChanged.connect(self.refresh)

    def refresh(self) -> None:
        tracks = self._state.pattern.tracks
        if self.index >= len(tracks):
            self.close()
            return
        self.show_track(tracks[self.index])

    def show_track(self, track: Track) -> None:
        raise NotImplementedError

    def show_at(self, where: QPoint, above: int | None = None) -> None:
        """At ``where`` (global), or ending at ``above`` when it would not fit under it:
        the last track of a window at the bottom of the screen opened it off-screen."""
        self.refresh()
        show_popup_at(self, where, above)
        self.first.setFocus(Qt.FocusReason.PopupFocusReason)


def show_popup_at(popup: QWidget, where: QPoint, above: int | None = None) -> None:
    """Show ``popup`` at ``where`` (global), or ending at ``above`` when it would not fit
    under it, never past the screen's sides; sized first, its style sheet's padding
    included."""
    popup.ensurePolished()
    popup.adjustSize()
    x, y = where.x(), where.y()
    screen = QGuiApplication.screenAt(where) or popup.screen()
    if screen is not None:
        room = screen.availableGeometry()
        if y + popup.height() > room.bottom() + 1:
            y = (above if above is not None else room.bottom() + 1) - popup.height()
        x = max(room.left(), min(x, room.right() + 1 - popup.width()))
        y = max(room.top(), y)
    popup.move(QPoint(x, y))
    popup.show()
