"""The composition root: builds every object the GUI needs, in order, and tears it down.

paths → settings → server connection (the configured server, or the embedded one on
127.0.0.1 with a random port and token) → task runner → engine → states → the server
session → window → playback. Every collaborator is passed in through a constructor; this
is the only module that knows the whole graph, so it also connects what one part reports
to the part that acts on it — and does nothing else: the behaviour lives in the parts
(``ServerSession``, ``SessionHost``, ``services.first_run``, ``services.pattern_files``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal

from desktop_app.audio.sample_bank import SampleBank
from desktop_app.paths import AppPaths
from desktop_app.playback import Playback
from desktop_app.services.cache_budget import sample_cap_bytes
from desktop_app.services.connection import ServerConnection
from desktop_app.services.first_run import make_demo_renderer, start_first_run, welcome_wanted
from desktop_app.services.kit_library import KitLibrary
from desktop_app.services.local_store import LocalStore
from desktop_app.services.outbox import Outbox
from desktop_app.services.pattern_files import SessionPattern
from desktop_app.services.samples import SampleCache
from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.state.pattern_loader import PatternLoader
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.state.server_session import (
    THREAD_POLL_MS,
    Connection,
    ServerSession,
    SessionFiles,
)
from desktop_app.state.session_autosave import SessionAutosave
from desktop_app.state.session_host import SessionHost, open_connection, own_name
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui.band_dialogs import BandDialogs, shared_fingerprint
from desktop_app.ui.crash_dialog import CrashReporter
from desktop_app.ui.drag_out import RenderDragger, tidy_drag_dir
from desktop_app.ui.kit_actions import KitActions
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.open_files import NowPlaying
from desktop_app.ui.playback_binding import PlaybackBinding
from desktop_app.ui.save_recording import SaveRecording
from desktop_app.ui.thread_navigation import ThreadNavigator

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine

SHUTDOWN_WAIT_MS = 3000


class AppGraph(QObject):
    """Everything the running GUI consists of. ``start()`` after construction, ``shutdown()``
    once at the end (idempotent). Tests build one against a temporary SEQUENCER_HOME."""

    notice = Signal(str)  # engine notices, delivered on the GUI thread
    welcomeCreated = Signal(str)  # thread id, after a first-run Welcome thread exists

    def __init__(
        self,
        paths: AppPaths,
        settings: Settings,
        *,
        engine: Engine | None = None,
        crash_reporter: CrashReporter | None = None,
        thread_poll_ms: int = THREAD_POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.settings = settings
        self._thread_poll_ms = thread_poll_ms
        self._closed = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(4)
        self.tasks = TaskRunner(self._pool)
        connection = open_connection(settings, paths)
        try:
            from desktop_app.audio.engine import default_engine  # PortAudio: only when built

            device = settings.output_device or None
            self.engine = engine if engine is not None else default_engine(device, self.notice.emit)
        except BaseException:
            connection.close()  # no orphaned local server when the kit cannot load
            raise
        self._session_pattern = SessionPattern(paths.session_pattern_file)
        # Tracks' own sounds: kept by SHA-256, played by the engine from here.
        self.samples = SampleCache(
            paths.sample_cache_dir, connection.api, sample_cap_bytes(settings.cache_size_mb)
        )
        self.engine.set_bank(SampleBank(self.samples, self.engine.sample_rate))
        self.sequencer_state = SequencerState(
            self.engine, pattern=self._session_pattern.load(), samples=self.samples,
            tasks=self.tasks)  # fmt: skip
        self._autosave = SessionAutosave(self.sequencer_state, self._session_pattern.save,
                                         parent=self)  # fmt: skip
        self.recording_state = RecordingState(self.engine, paths.recordings_dir, settings)
        self.sequencer_state.playingChanged.connect(self.recording_state.transport_changed)
        own = lambda message_id: self.session.own_recording(message_id)  # noqa: E731
        self.playback = Playback.build(paths, settings, connection.api, own, self)
        session = self._new_session(connection)
        self.sessions = SessionHost(settings, paths, self.tasks, session, self._new_session, self)
        session.open()
        self.window = MainWindow(
            settings,
            self.sequencer_state,
            self.recording_state,
            session.threads,
            server_label=connection.label,
            log_dir=paths.log_dir,
            data_dir=paths.server_data_dir,
        )
        kits = KitLibrary(paths.kits_dir)
        self.kits = KitActions(self.window, self.sequencer_state, kits, self.samples,
                               settings, self.tasks)  # fmt: skip
        self.kits.install(self.window.menuBar())
        tidy_drag_dir(paths.cache_dir / "drag_out")
        dragger = RenderDragger(self.playback.controller, paths.cache_dir / "drag_out")
        saver = SaveRecording(self.playback.controller, self.tasks, settings, parent=self)
        self.playback_binding = PlaybackBinding(
            self.playback.controller, self.playback.fetcher, dragger, saver
        )
        # A message's Load fetches the pattern's own sounds first.
        self.pattern_loader = PatternLoader(self.sequencer_state, self.samples, self.tasks, self)
        self.window.use_pattern_loader(self.pattern_loader)
        if crash_reporter is not None:
            crash_reporter.set_window(self.window)
        self.notice.connect(self.window.show_notice)
        settings.changed.connect(self._on_setting_changed)
        self.sessions.sessionChanged.connect(self._bind_session)
        fingerprint = lambda: shared_fingerprint(self.connection)  # noqa: E731
        self.band = BandDialogs(settings, self.tasks, paths.server_data_dir, fingerprint,
                                self.window)  # fmt: skip
        self.window.joinRequested.connect(self.band.open_join)
        self.window.inviteRequested.connect(self.band.open_invite)
        self.sessions.connecting.connect(self.window.set_server_label)
        self.sessions.failed.connect(lambda text: self.window.show_error(text))
        # What plays in another thread, left of the badge a server switch re-adds at the end.
        self.now_playing = NowPlaying(self.playback.player)
        self.window.statusBar().insertPermanentWidget(0, self.now_playing)
        self.navigator = ThreadNavigator(self.window, lambda: self.threads_state,
                                         self.now_playing, parent=self)  # fmt: skip
        self.playback.player.currentChanged.connect(self.navigator.follow_playing)
        self.notifier = Notifier(settings, self.navigator.thread_name,
                                 self.navigator.show_thread, parent=self)  # fmt: skip
        self._follow_session(session)

    def _new_session(self, connection: Connection) -> ServerSession:
        return ServerSession(
            connection,
            own_name(connection, self.settings),
            SessionFiles.for_server(self.paths, connection.url),
            self.tasks,
            keep_take=self.playback.cache,
            samples=self.samples,
            memory=self.settings,
            thread_poll_ms=self._thread_poll_ms,
            parent=self,
        )

    @property
    def session(self) -> ServerSession:
        return self.sessions.session

    @property
    def connection(self) -> ServerConnection:
        connection = self.session.connection
        assert isinstance(connection, ServerConnection)
        return connection

    @property
    def threads_state(self) -> ThreadsState:
        return self.session.threads

    @property
    def outbox(self) -> Outbox:
        return self.session.outbox

    @property
    def local_store(self) -> LocalStore | None:
        return self.session.local_store

    # ---- wiring ---------------------------------------------------------------------------
    def start(self) -> None:
        self.session.start()
        if welcome_wanted(self.settings, own_server=self.connection.embedded is not None):
            api = self.connection.api
            start_first_run(
                self.tasks,
                api,
                self.settings,
                self.session.user_id,
                make_demo_renderer(self.engine, api, self.paths.recordings_dir),
                self._welcome_created,
            )

    def _welcome_created(self, thread_id: str) -> None:
        if not self._closed:
            self.session.open_new_thread(thread_id)
            self.welcomeCreated.emit(thread_id)

    def _bind_session(self, session: ServerSession) -> None:
        """A new server or user: the window and playback follow the new session."""
        self.window.set_threads_state(session.threads, session.connection.label)
        self.playback.fetcher.set_api(session.connection.api)
        self.samples.set_source(session.connection.api)
        self._follow_session(session)

    def _follow_session(self, session: ServerSession) -> None:
        """What listens to the session, at start and after every switch."""
        self.window.server_identity = session.connection.user_name  # Settings shows it
        session.threads.sendStatus.connect(self.recording_state.send_status)
        session.threads.messageArrived.connect(self.notifier.notify)
        self.navigator.bind(session.threads)
        self.playback.follow(session.threads)
        self.playback_binding.bind(self.window)

    def _on_setting_changed(self, name: str) -> None:
        if name == "output_device":
            self.engine.set_output_device(self.settings.output_device or None)
        elif name == "cache_size_mb":
            self.playback.set_cache_size_mb(self.settings.cache_size_mb)
            self.samples.set_cap(sample_cap_bytes(self.settings.cache_size_mb))

    # ---- shutdown --------------------------------------------------------------------------
    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.recording_state.is_recording:
            self.recording_state.stop()
        self.recording_state.close_input()
        self.sequencer_state.stop()
        self._autosave.flush()
        self.settings.sync()
        self.engine.stop()
        self.notifier.close()
        self.playback.close()
        # Quitting during an upload asks nothing and loses nothing: the upload is
        # abandoned and the outbox resumes it at the next start.
        self.sessions.close(wait_ms=SHUTDOWN_WAIT_MS)
        self.settings.sync()  # whatever the callbacks above changed, so nothing is left to write
