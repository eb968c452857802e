"""The autosave writes once per burst of edits, shortly after it, and at once on quit."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from desktop_app.services.pattern_files import SessionPattern
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.state.session_autosave import SessionAutosave


def test_a_burst_of_edits_is_written_once_shortly_after(qtbot, tmp_path: Path) -> None:
    state = SequencerState(None)
    saved: list[dict[str, Any]] = []
    autosave = SessionAutosave(state, saved.append, delay_ms=300)
    for step in range(16):  # a drag painting a row: one change per mouse move
        state.set_step(0, step, 100)
    assert saved == []  # nothing written while the edits come
    qtbot.waitUntil(lambda: len(saved) == 1, timeout=2000)
    assert saved[0]["tracks"][0]["steps"] == [100] * 16
    qtbot.wait(500)
    assert len(saved) == 1  # no more writes without more edits

    state.set_bpm(96.0)
    autosave.flush()  # quitting: written now, not after the delay
    assert saved[-1]["bpm"] == 96.0 and not autosave.pending


def test_one_write_is_quick(tmp_path: Path) -> None:
    """Written on the GUI thread: it must not be felt (a 64-track pattern, a few ms)."""
    from desktop_app.domain.pattern import demo_pattern

    pattern = demo_pattern()
    pattern.tracks = pattern.tracks * 8
    session = SessionPattern(tmp_path / "session_pattern.json")
    started = time.perf_counter()
    for _ in range(10):
        session.save(pattern.to_snapshot())
    assert (time.perf_counter() - started) / 10 < 0.05
    assert session.load() is not None
