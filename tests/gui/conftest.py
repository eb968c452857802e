"""Shared fixtures for the pytest-qt tests (offscreen). Keep this small; add fixtures that
more than one test module needs."""

from __future__ import annotations

import pytest

from desktop_app.domain.pattern import Pattern, demo_pattern


@pytest.fixture
def sequencer_home(tmp_path, monkeypatch):
    """All client folders (config, data, cache, logs) under a fresh temporary directory."""
    home = tmp_path / "sequencer-home"
    home.mkdir()
    monkeypatch.setenv("SEQUENCER_HOME", str(home))
    return home


@pytest.fixture
def demo() -> Pattern:
    """A fresh copy of the first-run demo groove (16 steps, 8 tracks)."""
    return demo_pattern()
