"""The Edit menu's step commands: Copy, Cut, Paste and Clear of one track's steps, Clear
pattern and Double pattern length (the operations are ``domain/step_edits.py``; each
edit is one undo step of the sequencer's stack).

The track they act on is the step grid's current row: the row of its keyboard cursor,
which a click on a pad or the arrow keys move. Their keys (Ctrl+C, Ctrl+X, Ctrl+V,
Delete) belong to the grid alone: in the message box, a track's name field or the tempo
field the same keys copy and paste text, and in the message list Delete still deletes a
message. Chosen from the menu while a text field has the focus, Copy, Cut and Paste act
on the field's text, as in every other program.

The steps go to the system clipboard twice: as ``CLIP_MIME`` data, which keeps every
velocity and lets another Sequencer window paste them, and as text (``x...x...``) that
any program shows and that can be pasted back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QByteArray, QMimeData, QObject, Qt, SignalInstance, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from desktop_app.domain.pattern import LENGTH_RANGE, Pattern
from desktop_app.domain.step_edits import (
    CLIP_MIME,
    ClipError,
    clip_from_json,
    clip_json,
    clip_text,
    doubled_length,
    parse_clip_text,
)
from desktop_app.ui.menu_action import menu_action

TextField = QLineEdit | QTextEdit | QPlainTextEdit


class StepDocument(Protocol):
    """What the actions need of the sequencer state."""

    @property
    def patternChanged(self) -> SignalInstance: ...

    @property
    def pattern(self) -> Pattern: ...

    def track_clip(self, track: int) -> list[int]: ...

    def paste_clip(self, track: int, clip: Sequence[int]) -> None: ...

    def clear_track(self, track: int, text: str = ...) -> None: ...

    def clear_all(self) -> None: ...

    def double_length(self) -> int: ...


class TrackCursor(Protocol):
    """The step grid: where its cursor is, and the widget the step keys belong to."""

    @property
    def cursorMoved(self) -> SignalInstance: ...

    @property
    def cursor_cell(self) -> tuple[int, int]: ...

    def addAction(self, action: QAction) -> None: ...


def _menu_text(name: str) -> str:
    return name.replace("&", "&&")


class EditActions(QObject):
    """The actions (``step_actions`` and ``pattern_actions``) for ``window``'s Edit menu;
    ``add_to(menu)`` puts them in it. ``notify(text)`` tells the musician what was done."""

    def __init__(
        self,
        window: QWidget,
        document: StepDocument,
        grid: TrackCursor,
        notify: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._grid = grid
        self._notify = notify
        self._clip: list[int] | None = None  # what the clipboard holds, if it is steps

        keys = QKeySequence.StandardKey
        self.copy_action = menu_action(window, "&Copy steps", self.copy, "", keys.Copy)
        self.cut_action = menu_action(window, "Cu&t steps", self.cut, "", keys.Cut)
        self.paste_action = menu_action(window, "&Paste steps", self.paste, "", keys.Paste)
        self.clear_action = menu_action(window, "C&lear steps", self.clear_track)
        self.clear_action.setShortcuts([QKeySequence(Qt.Key.Key_Delete),
                                        QKeySequence(Qt.Key.Key_Backspace)])  # fmt: skip
        self.step_actions = [
            self.copy_action,
            self.cut_action,
            self.paste_action,
            self.clear_action,
        ]
        for action in self.step_actions:
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            grid.addAction(action)
        self.clear_pattern_action = menu_action(
            window,
            "Clear p&attern",
            self.clear_pattern,
            "Switch every step of every track off; the tracks, their sounds and mix stay",
        )
        self.double_action = menu_action(window, "&Double pattern length", self.double)
        self.pattern_actions = [self.clear_pattern_action, self.double_action]

        self._clipboard = QGuiApplication.clipboard()
        self._clipboard.dataChanged.connect(self._read_clipboard)
        document.patternChanged.connect(self.refresh)
        grid.cursorMoved.connect(self.refresh)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self.refresh)
        self._read_clipboard()

    def add_to(self, menu: QMenu) -> None:
        menu.aboutToShow.connect(self.refresh)
        menu.addSeparator()
        menu.addActions(self.step_actions)
        menu.addSeparator()
        menu.addActions(self.pattern_actions)

    # ---- what they act on ------------------------------------------------------------
    def current_track(self) -> int | None:
        """The grid's current row; None in a pattern without tracks."""
        tracks = self._document.pattern.tracks
        return min(self._grid.cursor_cell[0], len(tracks) - 1) if tracks else None

    @property
    def clip(self) -> list[int] | None:
        """The steps the clipboard holds (None: it holds none)."""
        return None if self._clip is None else list(self._clip)

    def _text_field(self) -> TextField | None:
        """The window's focused text field, which the menu's Copy/Cut/Paste serve."""
        widget = QApplication.focusWidget()
        if isinstance(widget, QAbstractSpinBox):  # the tempo field: its text is its editor's
            widget = widget.findChild(QLineEdit)
        if isinstance(widget, TextField) and widget.window() is self._window.window():
            return widget
        return None

    # ---- enabled and named as they can act -------------------------------------------
    @Slot()
    def refresh(self, *_args: object) -> None:
        pattern = self._document.pattern
        field = self._text_field()
        track = self.current_track()
        hits = track is not None and any(pattern.tracks[track].steps)
        name = "" if track is None else _menu_text(pattern.tracks[track].name)
        for action, verb, tip, enabled in (
            (self.copy_action, "&Copy", "Copy {} steps, velocities too", track is not None),
            (self.cut_action, "Cu&t", "Copy {} steps and switch them off", hits),
            (self.paste_action, "&Paste", "Put the copied steps on {}", self._can_paste(track)),
            (self.clear_action, "C&lear", "Switch every step of {} off", hits),
        ):
            text = f"{verb} steps" + (f" of {name}" if name else "")
            if field is not None and action is not self.clear_action:
                text, enabled = verb, self._field_can(field, action)
            action.setText(text)
            action.setStatusTip(tip.format(name or "the track"))
            action.setEnabled(enabled)
        self.clear_pattern_action.setEnabled(any(any(t.steps) for t in pattern.tracks))
        longest = LENGTH_RANGE[1]
        self.double_action.setEnabled(pattern.length < longest)
        self.double_action.setStatusTip(
            f"Make the pattern {doubled_length(pattern)} steps long, its steps repeated"
            if pattern.length < longest
            else f"The pattern is already {longest} steps long, the longest it can be"
        )

    def _can_paste(self, track: int | None) -> bool:
        return track is not None and self._clip is not None

    def _field_can(self, field: TextField, action: QAction) -> bool:
        read_only = field.isReadOnly()
        if action is self.paste_action:
            return not read_only
        selected = (
            field.hasSelectedText()
            if isinstance(field, QLineEdit)
            else field.textCursor().hasSelection()
        )
        return selected and (action is self.copy_action or not read_only)

    @Slot()
    def _read_clipboard(self) -> None:
        data = self._clipboard.mimeData()
        clip = None
        try:
            if data is not None and data.hasFormat(CLIP_MIME):
                clip = clip_from_json(bytes(data.data(CLIP_MIME).data()))
            elif data is not None and data.hasText():
                clip = parse_clip_text(data.text())
        except ClipError:
            clip = None
        self._clip = clip
        self.refresh()

    # ---- commands --------------------------------------------------------------------
    @Slot()
    def copy(self) -> None:
        track = self._track_unless_text(lambda field: field.copy())
        if track is not None:
            clip = self._put_on_clipboard(track)
            self._notify(f"Copied {self._name(track)}: {clip_text(clip)}")

    @Slot()
    def cut(self) -> None:
        track = self._track_unless_text(lambda field: field.cut())
        if track is not None:
            clip = self._put_on_clipboard(track)
            name = self._name(track)
            self._document.clear_track(track, f"Cut {name}")
            self._notify(f"Cut {name}: {clip_text(clip)} — Paste puts the steps on another track")

    @Slot()
    def paste(self) -> None:
        track, clip = self._track_unless_text(lambda field: field.paste()), self._clip
        if track is None or clip is None:
            return
        self._document.paste_clip(track, clip)
        length = self._document.pattern.length
        done = f"Pasted {len(clip)} steps into {self._name(track)}"
        if len(clip) < length:
            done += f", repeated to fill its {length}"
        elif len(clip) > length:
            done += f"; the last {len(clip) - length} do not fit in {length} steps"
        self._notify(done)

    def _track_unless_text(self, on_text: Callable[[TextField], object]) -> int | None:
        """The track to act on; None (after ``on_text`` did the job on it) while a text
        field has the focus, or when there is no track."""
        field = self._text_field()
        if field is not None:
            on_text(field)
            return None
        return self.current_track()

    @Slot()
    def clear_track(self) -> None:
        track = self.current_track()
        if track is not None:
            self._document.clear_track(track)

    @Slot()
    def clear_pattern(self) -> None:
        self._document.clear_all()
        self._notify("Pattern cleared — Undo brings the steps back")

    @Slot()
    def double(self) -> None:
        before = self._document.pattern.length
        after = self._document.double_length()
        if after == 2 * before:
            self._notify(f"The pattern is {after} steps long, its steps played twice")
        elif after > before:
            self._notify(
                f"The pattern is {after} steps long, the longest it can be: the first"
                f" {after - before} of its {before} steps are repeated"
            )

    def _put_on_clipboard(self, track: int) -> list[int]:
        clip = self._document.track_clip(track)
        data = QMimeData()
        data.setData(CLIP_MIME, QByteArray(clip_json(clip)))
        data.setText(clip_text(clip))
        self._clipboard.setMimeData(data)
        self._clip = clip  # at once, whether or not the platform reports the change
        self.refresh()
        return clip

    def _name(self, track: int) -> str:
        return self._document.pattern.tracks[track].name
