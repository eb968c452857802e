"""The question File → Open asks before reading sound files a pattern file names.

A pattern file may name any audio file, and whatever a track plays is uploaded
with the pattern at the next Send. The musician's own groove.json next to kick.wav should
play kick.wav; a pattern file that came from someone else could name a private recording.
So the window reads such files only when the musician has seen the list and said yes.
The list shows each file relative to the pattern file when it is in that folder, and its
full path otherwise (``NamedSoundFile.shown``); every full path is in the details and the
tooltip. The safe answer is the default and Esc's.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.services.pattern_files import NamedSoundFile

USE_TEXT = "Use these sounds"
WITHOUT_TEXT = "Open without them"
LISTED_AT_MOST = 12  # more are counted; the details list them all


def consent_text(pattern: Path, files: Sequence[NamedSoundFile]) -> tuple[str, str]:
    """The box's text (rich text: the list) and its informative text."""
    folder = Path(os.path.abspath(pattern)).parent  # `..` folded, as the files' paths are
    count = len(files)
    items = "".join(
        f"<li>{html.escape(file.shown(folder))}</li>" for file in files[:LISTED_AT_MOST]
    )
    more = count - LISTED_AT_MOST
    if more > 0:
        items += f"<li>and {more} more (Show Details…)</li>"
    text = (
        f"{html.escape(pattern.name)} names {count} sound file{'s' * (count != 1)} "
        f"on this computer:<ul>{items}</ul>"
    )
    informative = (
        "If you use them, they become part of the pattern: Sequencer copies them into its "
        "sample store, and they are uploaded with the pattern whenever you send it. "
        "Without them, those tracks play their built-in sounds."
    )
    return text, informative


def ask_to_use_sound_files(parent: QWidget, pattern: Path, files: Sequence[NamedSoundFile]) -> bool:
    """Whether the musician lets Open read ``files`` for ``pattern`` (a modal box)."""
    text, informative = consent_text(pattern, files)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Use the sounds this pattern names?")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(text)
    box.setInformativeText(informative)
    full = "\n".join(str(file.path) for file in files)
    box.setDetailedText(full)
    box.setToolTip(full)
    use = box.addButton(USE_TEXT, QMessageBox.ButtonRole.AcceptRole)
    without = box.addButton(WITHOUT_TEXT, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(without)
    box.setEscapeButton(without)
    box.exec()
    return box.clickedButton() is use
