"""Sequencer: a desktop step sequencer that records what it plays and shares it in threads."""

from desktop_app import qt_workarounds as _qt_workarounds

__version__ = "0.1.0"

_qt_workarounds.apply()
