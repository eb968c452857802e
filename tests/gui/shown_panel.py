"""The sequencer panel alone, shown at a size: what the panel tests start from."""

from __future__ import annotations

from desktop_app.ui.sequencer_panel import SequencerPanel


def shown_panel(qtbot, states, width: int, height: int, *, active: bool = False) -> SequencerPanel:
    """A ``SequencerPanel`` of ``states`` owned by ``qtbot``, shown and exposed; ``active``
    also makes its window the active one (for tests that type into it)."""
    widget = SequencerPanel(*states)
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    if active:
        widget.activateWindow()
    return widget
