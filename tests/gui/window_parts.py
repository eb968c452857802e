"""The parts a ``MainWindow`` is built from, offline: its thread side talks to a real
``ApiClient`` pointed at a closed port (what a musician on a train sees)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool

from desktop_app.services.api import ApiClient
from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui.main_window import MainWindow

CLOSED_PORT_URL = "http://127.0.0.1:9"


class Parts:
    """Settings, a task pool and the three states, each fresh under ``tmp_path``;
    ``window(qtbot)`` builds the window on them."""

    def __init__(self, tmp_path: Path) -> None:
        self.settings_file = tmp_path / "config" / "settings.ini"
        self.settings = Settings.open(self.settings_file)
        self.pool = QThreadPool()
        self.tasks = TaskRunner(self.pool)
        self.sequencer = SequencerState(None)
        self.recording = RecordingState(None, tmp_path / "recordings", self.settings)
        self.threads = ThreadsState(
            ApiClient(CLOSED_PORT_URL, "token", timeout=1.0),
            self.tasks,
            "ada",
            retry_delays=(60.0,),
        )
        self.log_dir = tmp_path / "logs"

    def window(self, qtbot) -> MainWindow:
        window = MainWindow(
            self.settings,
            self.sequencer,
            self.recording,
            self.threads,
            log_dir=self.log_dir,
        )
        qtbot.addWidget(window)
        return window
