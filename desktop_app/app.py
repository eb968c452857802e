"""The composition root: builds every object the GUI needs, in order, and tears it down.

paths → settings → server connection (the configured server, or the embedded one on
127.0.0.1 with a random port and token) → task runner → engine → states → the server
session → window → playback. Every collaborator is passed in through a constructor; this
is the only module that knows the whole graph, so it also connects what one part reports
to the part that acts on it — and does nothing else: the behaviour lives in the parts
(``ServerSession`` and ``SessionHost`` for the server side, ``services.first_run``,
``services.pattern_files``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal

from desktop_app.paths import AppPaths
from desktop_app.playback import Playback
from desktop_app.services.api import ApiClient
from desktop_app.services.audio_cache import MIB, AudioCache
from desktop_app.services.band_invite import lan_address
from desktop_app.services.connection import ServerConnection
from desktop_app.services.first_run import is_first_run, make_demo_renderer, start_first_run
from desktop_app.services.local_store import LocalStore
from desktop_app.services.outbox import Outbox
from desktop_app.services.pattern_files import SessionPattern
from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.render_fetcher import OwnRecording, RenderFetcher
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.state.server_session import (
    THREAD_POLL_MS,
    Connection,
    ServerSession,
    SessionFiles,
)
from desktop_app.state.session_host import SessionHost, open_connection, own_name
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui.crash_dialog import CrashReporter
from desktop_app.ui.drag_out import RenderDragger, tidy_drag_dir
from desktop_app.ui.invite_dialog import InviteDialog
from desktop_app.ui.join_dialog import JoinDialog
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.open_files import NowPlaying
from desktop_app.ui.playback_binding import PlaybackBinding

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_MS = 3000
DOWNLOAD_THREADS = 2


def build_engine(settings: Settings, on_notice: Callable[[str], None]) -> Engine:
    from desktop_app.audio.engine import Engine
    from desktop_app.audio.kit import load_default_kit

    return Engine(
        load_default_kit(), output_device=settings.output_device or None, on_notice=on_notice
    )


def build_playback(
    paths: AppPaths, settings: Settings, api: ApiClient, own: OwnRecording, parent: QObject
) -> Playback:
    """Downloads on their own pool (never behind uploads), the audio cache capped by the
    settings, the fetcher, the one player and the controller that drives it."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(DOWNLOAD_THREADS)
    cache = AudioCache(paths.audio_cache_dir, settings.cache_size_mb * MIB)
    fetcher = RenderFetcher(cache, TaskRunner(pool), api, own_recording=own, parent=parent)
    player = AudioPlayerState(parent)
    controller = PlaybackController(player, fetcher, parent=parent)
    return Playback(pool, cache, fetcher, player, controller)


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
            self.engine = engine if engine is not None else build_engine(settings, self.notice.emit)
        except BaseException:
            connection.close()  # no orphaned local server when the kit cannot load
            raise
        self._session_pattern = SessionPattern(paths.session_pattern_file)
        self.sequencer_state = SequencerState(self.engine, pattern=self._session_pattern.load())
        self.recording_state = RecordingState(self.engine, paths.recordings_dir, settings)
        self.playback = build_playback(paths, settings, connection.api, self._own_recording, self)
        session = self._new_session(connection)
        self.sessions = SessionHost(settings, paths, self.tasks, session, self._new_session, self)
        session.open()
        session.threads.sendStatus.connect(self.recording_state.send_status)
        self.window = MainWindow(
            settings,
            self.sequencer_state,
            self.recording_state,
            session.threads,
            server_label=connection.label,
            log_dir=paths.log_dir,
            data_dir=paths.server_data_dir,
        )
        self.playback.follow(self.threads_state)
        tidy_drag_dir(paths.cache_dir / "drag_out")
        dragger = RenderDragger(self.playback.controller, paths.cache_dir / "drag_out")
        self.playback_binding = PlaybackBinding(
            self.playback.controller, self.playback.fetcher, dragger
        )
        self.playback_binding.bind(self.window)
        if crash_reporter is not None:
            crash_reporter.set_window(self.window)
        self.notice.connect(self.window.show_notice)
        settings.changed.connect(self._on_setting_changed)
        self.sessions.sessionChanged.connect(self._bind_session)
        self.window.joinRequested.connect(self.open_join_dialog)
        self.window.inviteRequested.connect(self.open_invite_dialog)
        self.sessions.connecting.connect(
            lambda label: self.window.connection_indicator.set_server_label(label)
        )
        self.sessions.failed.connect(lambda text: self.window.show_error(text))
        self.notifier = Notifier(settings, self._thread_name, self._show_thread, parent=self)
        # A message keeps playing in another thread: the status bar says what and leads back.
        self.now_playing = NowPlaying(self.playback.player)
        self.window.statusBar().addPermanentWidget(self.now_playing)
        self.playback.player.currentChanged.connect(self._follow_playing)
        session.threads.messageArrived.connect(self.notifier.notify)

    def _new_session(self, connection: Connection) -> ServerSession:
        return ServerSession(
            connection,
            own_name(connection, self.settings),
            SessionFiles.for_server(self.paths, connection.url),
            self.tasks,
            keep_take=self.playback.cache,
            memory=self.settings,
            thread_poll_ms=self._thread_poll_ms,
            parent=self,
        )

    # ---- the server side, as tests and the window see it ---------------------------------
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

    def _own_recording(self, message_id: str) -> Path | None:
        return self.session.own_recording(message_id)

    # ---- wiring ---------------------------------------------------------------------------
    def start(self) -> None:
        self.session.start()
        if is_first_run(self.settings):
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

    def _thread_name(self, thread_id: str) -> str:
        thread = self.threads_state.thread_by_id(thread_id)
        return thread.name if thread is not None else ""

    def _show_thread(self, thread_id: str) -> None:
        """A notification was clicked: its thread, in the window brought to the front."""
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        self.threads_state.open_thread(thread_id)

    def _follow_playing(self, key: str) -> None:
        message = self.threads_state.messages.message(key) if key else None
        if message is None:
            return  # an opened file (FileOpener follows those) or nothing
        what = message.text.strip().splitlines()[0] if message.text.strip() else "pattern"
        thread = self._thread_name(message.parent_thread)
        name = f"{message.user_id} · {what[:40]}" + (f" in {thread}" if thread else "")
        thread_id, message_id = message.parent_thread, message.id
        self.now_playing.follow(key, name, lambda: self._go_to(thread_id, message_id))

    def _go_to(self, thread_id: str, message_id: str) -> None:
        """Back to the playing message: its thread opened, the row in view."""
        state = self.threads_state
        state.open_thread(thread_id)
        panel = self.window.conversation
        if panel is None:
            return
        view = panel.messages
        if not view.scroll_to_message(message_id):
            # the thread's rows arrive from the store a moment later
            def when_listed(*_args: object) -> None:
                if view.scroll_to_message(message_id):
                    state.messages.rowsInserted.disconnect(when_listed)
                    state.messages.modelReset.disconnect(when_listed)

            state.messages.rowsInserted.connect(when_listed)
            state.messages.modelReset.connect(when_listed)

    def open_join_dialog(self) -> JoinDialog:
        """Window-modal and not blocking: joining writes the settings, and the session
        host switches to the new server from there."""
        dialog = JoinDialog(self.settings, self.tasks, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_invite_dialog(self, address: Callable[[], str] = lan_address) -> InviteDialog:
        dialog = InviteDialog(
            self.settings,
            self.paths.server_data_dir,
            self._shared_fingerprint,
            address,
            self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _shared_fingerprint(self) -> str | None:
        embedded = self.connection.embedded
        return embedded.fingerprint if embedded is not None and embedded.listen else None

    def _bind_session(self, session: ServerSession) -> None:
        """A new server or user: the window and playback follow the new session."""
        session.threads.sendStatus.connect(self.recording_state.send_status)
        session.threads.messageArrived.connect(self.notifier.notify)
        self.window.set_threads_state(session.threads, session.connection.label)
        self.playback.fetcher.set_api(session.connection.api)
        self.playback.follow(self.threads_state)
        self.playback_binding.bind(self.window)

    def _on_setting_changed(self, name: str) -> None:
        if name == "output_device":
            self.engine.set_output_device(self.settings.output_device or None)
        elif name == "cache_size_mb":
            self.playback.set_cache_size_mb(self.settings.cache_size_mb)

    # ---- shutdown --------------------------------------------------------------------------
    def save_session(self) -> None:
        self._session_pattern.save(self.sequencer_state.snapshot())

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.recording_state.is_recording:
            self.recording_state.stop()
        self.sequencer_state.stop()
        self.save_session()
        self.settings.sync()
        self.engine.stop()
        self.notifier.close()
        self.playback.close()
        # Quitting during an upload asks nothing and loses nothing: the upload is
        # abandoned and the outbox resumes it at the next start.
        self.sessions.close(wait_ms=SHUTDOWN_WAIT_MS)
        self.settings.sync()  # whatever the callbacks above changed, so nothing is left to write
