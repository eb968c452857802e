"""Shared fixtures for the pytest-qt tests (offscreen). Keep this small; add fixtures that
more than one test module needs."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QThreadPool
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import Kit, load_default_kit
from desktop_app.audio.sample_bank import SampleBank
from desktop_app.domain.pattern import Pattern, demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.samples import SampleCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui import qt_messages
from tests.gui.file_dialog_driver import FileDialogDriver
from tests.gui.modal_driver import ModalDriver
from tests.gui.send_helpers import Client
from tests.gui.window_parts import Parts

# Never let the Python message handler be None while Qt threads log (see qt_messages).
qt_messages.install()


@pytest.fixture(autouse=True)
def _qt_objects_die_with_their_test(qapp):
    """Widgets closed by qtbot are deleted *later*, and QObjects in reference cycles die
    whenever Python's collector runs — possibly in the middle of the next test's event
    loop, after the objects they point to. Settle both here, inside the test's own
    teardown, so no test inherits half-destroyed objects from another."""
    yield
    qapp.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()
    _release_held_buttons()


def _release_held_buttons() -> None:
    """``QTest.mouseDClick`` ends on its second press: the application goes on believing
    the button is held, and the next test's pointer moves are drags that no button hears
    as hover (``test_menu_button_hover`` failed after the rename-by-double-click tests).
    Let go of whatever a test left pressed."""
    held = QGuiApplication.mouseButtons()
    if held == Qt.MouseButton.NoButton:
        return
    widget = QWidget()
    widget.show()
    for button in (
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.RightButton,
        Qt.MouseButton.MiddleButton,
    ):
        if held & button:
            QTest.mouseRelease(widget, button)
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def modals():
    """Clicks buttons of the real modal message boxes a test opens (see ModalDriver)."""
    driver = ModalDriver()
    yield driver
    driver.stop()


@pytest.fixture
def file_dialogs():
    """Answers the real file dialogs a test opens (see FileDialogDriver)."""
    driver = FileDialogDriver()
    yield driver
    driver.stop()


@pytest.fixture
def tasks(qtbot) -> Iterator[TaskRunner]:
    """Background work on a pool of its own; at teardown every job has finished and its
    callbacks have been delivered, so none lands in the next test."""
    runner = TaskRunner(QThreadPool())
    yield runner
    runner.wait(5000)
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=5000)


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


# ---- a server, a thread on it and one client wired for sending (send-flow tests) ----
@pytest.fixture
def server(tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    srv = ThreadedServer(backend.app()).start()
    yield srv, backend
    srv.stop()


@pytest.fixture
def thread_id(server):
    return ApiClient(server[0].url, TOKEN).create_thread("Takes").id


@pytest.fixture
def alice(qtbot, server, tmp_path, thread_id):
    client = Client(qtbot, server[0].url, tmp_path / "alice")
    client.open(thread_id)
    yield client
    client.close()


@pytest.fixture
def parts(tmp_path) -> Iterator[Parts]:
    """The offline parts of a main window (see ``Parts``); their background jobs have
    finished after the test."""
    p = Parts(tmp_path)
    yield p
    p.pool.waitForDone(5000)


@pytest.fixture(scope="session")
def kit() -> Kit:
    return load_default_kit()


@pytest.fixture
def clock_engine(kit: Kit) -> Iterator[Callable[[float], Engine]]:
    """``clock_engine(speed)``: an engine on its clock (no sound card), ``speed`` times
    real time; stopped after the test."""
    made: list[Engine] = []

    def make(speed: float) -> Engine:
        made.append(Engine(kit, use_device=False, clock_speed=speed))
        return made[-1]

    yield make
    for engine in made:
        engine.stop()


class NoServer:
    """The sample cache's server side, never reached by imports (they only copy local
    files)."""

    base_url = "http://127.0.0.1:9"

    def get_sample(self, sha256: str):
        raise AssertionError("an import never asks the server")

    def download(self, url, dest, *, progress=None, expected_size=None):
        raise AssertionError("an import never downloads")


@pytest.fixture
def sample_cache(tmp_path) -> SampleCache:
    """A sample cache of its own for the test's imported sounds (own-sound tests)."""
    return SampleCache(tmp_path / "samples", NoServer())


@pytest.fixture
def sample_engine(kit: Kit, sample_cache: SampleCache) -> Iterator[Engine]:
    """An engine on its clock whose sample bank reads ``sample_cache``; stopped after the
    test."""
    engine = Engine(kit, use_device=False, bank=SampleBank(sample_cache, 44100))
    yield engine
    engine.stop()


@pytest.fixture
def states(engine: Engine, tmp_path) -> Iterator[tuple[SequencerState, RecordingState]]:
    """The demo pattern and a recorder on the test module's ``engine`` fixture, stopped
    (a take in progress too) after the test."""
    seq = SequencerState(engine, pattern=demo_pattern())
    rec = RecordingState(engine, tmp_path / "recordings")
    yield seq, rec
    if rec.is_recording:
        rec.stop()
    seq.stop()
