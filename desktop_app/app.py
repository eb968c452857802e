"""The composition root: builds every object the GUI needs, in order, and tears it down.

paths → settings → logging → server connection (the configured server, or the embedded
one on 127.0.0.1 with a random port and token) → task runner → engine → states → window.
Every collaborator is passed in through a constructor; this is the only module that
knows the whole graph, so it is also where a saved setting is applied to the running app
(a new server reconnects, a new output device goes to the engine).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app import __version__
from desktop_app.domain.message import Render
from desktop_app.domain.pattern import Pattern, SnapshotError
from desktop_app.gui_args import GuiArgsError, GuiOptions
from desktop_app.logging_setup import ExceptionHook, setup_logging
from desktop_app.paths import AppPaths
from desktop_app.playback import Playback
from desktop_app.services.api import ApiClient
from desktop_app.services.audio_cache import MIB, AudioCache
from desktop_app.services.connection import ServerConnection, connect, server_label
from desktop_app.services.delivery import Delivery
from desktop_app.services.first_run import Welcome, ensure_welcome_thread, is_first_run
from desktop_app.services.local_store import LocalStore
from desktop_app.services.outbox import Outbox, OutboxEntry
from desktop_app.services.single_instance import (
    InstanceServer,
    forward_to_running,
    instance_name,
)
from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.state.audio_player_state import AudioPlayerState
from desktop_app.state.playback_controller import PlaybackController
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.render_fetcher import OwnRecording, RenderFetcher, recordings_in
from desktop_app.state.send_queue import SendQueue
from desktop_app.state.sequencer_state import SequencerState
from desktop_app.state.threads_state import ThreadsState
from desktop_app.ui import theme
from desktop_app.ui.crash_dialog import CrashReporter
from desktop_app.ui.drag_out import RenderDragger, tidy_drag_dir
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.open_files import FileOpener
from desktop_app.ui.playback_binding import PlaybackBinding

log = logging.getLogger(__name__)

THREAD_POLL_MS = 30_000
DOWNLOAD_THREADS = 2
_RECONNECT_KEYS = {"server_url", "api_token", "user_name"}


# ---- the server ----------------------------------------------------------------------------
def open_connection(settings: Settings, paths: AppPaths) -> ServerConnection:
    """The configured server, or the embedded one started now (blocks ~0.5 s)."""
    return connect(settings.server_url, settings.api_token, paths)


def connection_key(settings: Settings) -> tuple[str, str]:
    url = settings.server_url.strip().rstrip("/")
    return (url, settings.api_token) if url else ("", "")


# ---- the engine --------------------------------------------------------------------------
def build_engine(settings: Settings, on_notice: Callable[[str], None]) -> Any:
    from desktop_app.audio.engine import Engine
    from desktop_app.audio.kit import load_default_kit

    return Engine(
        load_default_kit(), output_device=settings.output_device or None, on_notice=on_notice
    )


def make_demo_renderer(engine: Any, api: ApiClient, work_dir: Path) -> Callable:
    """Bounce → MP3 → upload, so the Welcome message plays inline like any other."""

    def render(pattern: Pattern, loops: int) -> Render | None:
        from desktop_app.audio.mp3 import encode_mp3
        from desktop_app.audio.peaks import compute_peaks

        pcm = engine.bounce(pattern, loops)
        work_dir.mkdir(parents=True, exist_ok=True)
        path = work_dir / "welcome-demo.mp3"
        encode_mp3(pcm, engine.sample_rate, path, bitrate=320)
        try:
            return api.upload_audio(
                path,
                bitrate=320,
                duration=len(pcm) / engine.sample_rate,
                peaks=compute_peaks(pcm, 100),
            )
        finally:
            path.unlink(missing_ok=True)

    return render


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


# ---- the graph ------------------------------------------------------------------------------
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
        engine: Any = None,
        crash_reporter: CrashReporter | None = None,
        thread_poll_ms: int = THREAD_POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.settings = settings
        self._closed = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(4)
        self.tasks = TaskRunner(self._pool)
        # Uploads have their own pool so they never queue behind downloads or reads.
        self._upload_pool = QThreadPool(self)
        self._upload_pool.setMaxThreadCount(2)
        self.uploads = TaskRunner(self._upload_pool)
        self.outbox: Outbox | None = None
        self.send_queue: SendQueue | None = None
        self.connection = open_connection(settings, paths)
        try:
            self.engine = engine if engine is not None else build_engine(settings, self.notice.emit)
        except BaseException:
            self.connection.close()  # no orphaned local server when the kit cannot load
            raise
        self.sequencer_state = SequencerState(self.engine, pattern=self._session_pattern())
        self.recording_state = RecordingState(self.engine, paths.recordings_dir, settings)
        self.local_store: LocalStore | None = None
        self.threads_state = self._make_threads_state()
        self.window = MainWindow(
            settings,
            self.sequencer_state,
            self.recording_state,
            self.threads_state,
            server_label=self.connection.label,
            log_dir=paths.log_dir,
            data_dir=paths.server_data_dir,
        )
        self.playback = build_playback(paths, settings, self.connection.api,
                                       self._own_recording, self)  # fmt: skip
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
        self._reconnect_pending = False
        self._opened_initial_thread = False
        self._thread_poll = QTimer(self)
        self._thread_poll.setInterval(thread_poll_ms)
        self._thread_poll.timeout.connect(self._poll_threads)
        self._retired: list[ThreadsState] = []
        self._reaper = QTimer(self)
        self._reaper.setInterval(500)
        self._reaper.timeout.connect(self._reap)

    # ---- start ---------------------------------------------------------------------------
    def start(self) -> None:
        self._bind_threads_state()
        self.threads_state.start()
        if is_first_run(self.settings):
            self._run_first_start()
        self._thread_poll.start()

    def _run_first_start(self) -> None:
        api, user = self.connection.api, self.settings.user_name
        renderer = make_demo_renderer(self.engine, api, self.paths.recordings_dir)

        # The worker gets its own marker: QSettings is not shared across threads.
        marker = SimpleNamespace(welcome_thread_id=self.settings.welcome_thread_id)

        def work() -> Welcome | None:
            return ensure_welcome_thread(api, marker, user, render_demo=renderer)

        def done(welcome: Welcome | None) -> None:
            if welcome is None:
                return
            self.settings.welcome_thread_id = welcome.thread.id
            self.settings.last_thread_id = welcome.thread.id
            self.settings.sync()
            if self._closed:
                return
            self.threads_state.refresh_threads()
            self.threads_state.open_thread(welcome.thread.id)
            # If the thread list raced ahead and opened the thread before its message
            # existed, open_thread was a no-op: ask for what changed since.
            self.threads_state.refresh_messages()
            self.welcomeCreated.emit(welcome.thread.id)

        self.tasks.submit(
            work,
            on_done=done,
            on_error=lambda exc: log.warning("could not create the Welcome thread: %s", exc),
        )

    def _session_pattern(self) -> Pattern | None:
        """The pattern on screen at the last quit; ``None`` (the demo groove) on the first
        start or when the file is unreadable."""
        path = self.paths.session_pattern_file
        try:
            return Pattern.from_snapshot(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, SnapshotError) as exc:
            log.warning("could not reopen the last pattern (%s); starting with the demo", exc)
            return None

    # ---- threads ---------------------------------------------------------------------------
    def _make_threads_state(self) -> ThreadsState:
        store_path = self.paths.local_store_for(self.connection.url)
        store_path.parent.mkdir(parents=True, exist_ok=True)
        self.local_store = LocalStore(store_path)
        self.outbox = Outbox(*self.paths.outbox_for(self.connection.url))
        self.send_queue = SendQueue(
            Delivery(self.connection.api, self.outbox), self.uploads, adopt_file=self._adopt_take
        )
        state = ThreadsState(
            self.connection.api,
            self.tasks,
            self.settings.user_name,
            self.local_store,
            self,
            send_queue=self.send_queue,
        )
        self.send_queue.setParent(state)
        return state

    def _own_recording(self, message_id: str) -> Path | None:
        """The sender's take of a message still in the outbox: played from there, never
        downloaded (and never evicted, since the cache does not hold it yet)."""
        outbox = self.outbox
        return recordings_in(outbox.files_dir)(message_id) if outbox is not None else None

    def _adopt_take(self, entry: OutboxEntry) -> None:
        """Delivered (on the upload worker): the take becomes the render's cache entry, so
        the sender never downloads their own recording."""
        assert entry.render is not None and entry.audio is not None
        self.playback.cache.adopt(entry.render.id, entry.audio.path)

    def _bind_threads_state(self) -> None:
        state = self.threads_state
        state.threadsChanged.connect(self._open_initial_thread)
        state.currentThreadChanged.connect(self._remember_thread)
        state.sendStatus.connect(self.recording_state.send_status)
        # The open thread's own polling (others' messages, renders, deletions), adaptive.
        state.start_live_sync()

    def _open_initial_thread(self) -> None:
        """Reopen the thread that was open at the last quit (or the newest one) once the
        thread list first arrives."""
        state = self.threads_state
        if self._opened_initial_thread or state.current_thread_id or not state.threads:
            return
        self._opened_initial_thread = True
        remembered = self.settings.last_thread_id
        target = remembered if state.thread(remembered) is not None else state.threads[0].id
        state.open_thread(target)

    def _remember_thread(self, thread_id: str) -> None:
        if thread_id:
            self.settings.last_thread_id = thread_id

    def _poll_threads(self) -> None:
        if self.threads_state.is_connected:
            self.threads_state.refresh_threads()

    # ---- applying saved settings ----------------------------------------------------------
    def _on_setting_changed(self, name: str) -> None:
        if name == "output_device" and self.engine is not None:
            self.engine.set_output_device(self.settings.output_device or None)
        elif name == "cache_size_mb":
            self.playback.set_cache_size_mb(self.settings.cache_size_mb)
        elif name in _RECONNECT_KEYS and not self._reconnect_pending:
            # The dialog writes several keys in a row; reconnect once, after the last.
            self._reconnect_pending = True
            QTimer.singleShot(0, self._apply_connection_settings)

    def _apply_connection_settings(self) -> None:
        self._reconnect_pending = False
        if self._closed:
            return
        same_server = connection_key(self.settings) == self.connection.key
        if same_server and self.threads_state.user_id == self.settings.user_name:
            return
        if same_server:
            self._switch_to(self.connection)
            return
        self.window.connection_indicator.set_server_label(server_label(self.settings.server_url))
        self.tasks.submit(
            open_connection,
            self.settings,
            self.paths,
            on_done=self._switch_to,
            on_error=lambda exc: self.window.show_error(f"Could not start the server: {exc}"),
        )

    def _switch_to(self, connection: ServerConnection) -> None:
        """Rebuild the thread side on ``connection`` (a new server, or a new user name)."""
        if self._closed:
            connection.close()
            return
        old_connection, old_state, old_store = self.connection, self.threads_state, self.local_store
        old_queue, old_outbox = self.send_queue, self.outbox
        if old_queue is not None:
            old_queue.shutdown(wait_ms=0)  # abandoned uploads resume when that server is back
        self.connection = connection
        self.threads_state = self._make_threads_state()
        self._opened_initial_thread = False
        self._bind_threads_state()
        self.window.set_threads_state(self.threads_state, connection.label)
        self.playback.fetcher.set_api(connection.api)
        self.playback.follow(self.threads_state)
        self.playback_binding.bind(self.window)
        self.threads_state.start()
        self._retire(old_state)
        if old_store is not None:
            self.tasks.submit(old_store.close)
        if old_outbox is not None:
            self.uploads.submit(old_outbox.close)
        if old_connection is not connection:
            self.tasks.submit(old_connection.close)
        log.info("now using %s as %s", connection.label, self.settings.user_name)

    def _retire(self, state: ThreadsState) -> None:
        """A replaced ThreadsState may still have answers on their way; deleting it now
        would hand them a dead object. Its timers stop at once and it is deleted once the
        task runner is idle."""
        self._stop_timers(state)
        self._retired.append(state)
        if not self._reaper.isActive():
            self._reaper.start()

    @staticmethod
    def _stop_timers(state: QObject) -> None:
        for timer in state.findChildren(QTimer):
            timer.stop()

    def _reap(self) -> None:
        if self.tasks.in_flight:
            return
        for state in self._retired:
            self._stop_timers(state)
            state.deleteLater()
        self._retired.clear()
        self._reaper.stop()

    # ---- shutdown --------------------------------------------------------------------------
    def save_session(self) -> None:
        path = self.paths.session_pattern_file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".part")
            tmp.write_text(json.dumps(self.sequencer_state.snapshot()), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            log.warning("could not save the open pattern: %s", exc)

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._thread_poll.stop()
        self._stop_timers(self.threads_state)
        if self.recording_state.is_recording:
            self.recording_state.stop()
        self.sequencer_state.stop()
        self.save_session()
        self.settings.sync()
        if self.engine is not None:
            self.engine.stop()
        self.playback.close()
        if self.send_queue is not None:
            # Quitting during an upload asks nothing and loses nothing: the upload is
            # abandoned and the outbox resumes it at the next start.
            self.send_queue.shutdown(wait_ms=3000)
        if not self.tasks.wait(5000):
            log.warning("background tasks still running at exit")
        QApplication.processEvents()  # deliver the callbacks of tasks that just finished
        if self.local_store is not None:
            self.local_store.close()
        if self.outbox is not None:
            self.outbox.close()
        self.connection.close()


# ---- entry point ------------------------------------------------------------------------------
def _quit_on_signals(qapp: QApplication) -> None:
    """Ctrl+C in a terminal and SIGTERM from a session manager quit like File → Quit (the
    embedded server stops, the layout is saved). Python only runs signal handlers when
    the interpreter gets control, so a cheap timer hands it control a few times a second."""

    def quit_app(signum: int, _frame: Any) -> None:
        log.info("signal %s: quitting", signum)
        for widget in qapp.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
        qapp.quit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, quit_app)
    timer = QTimer(qapp)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def run_gui(argv: list[str]) -> int:
    """``sequencer`` with no subcommand. ``argv`` holds the arguments argparse did not use:
    Qt's own (``-platform offscreen``), files to open, ``--smoke-test``."""
    try:
        options = GuiOptions.parse(argv)
    except GuiArgsError as exc:
        print(f"sequencer: {exc}", file=sys.stderr)
        return 2
    if options.smoke_test:
        from desktop_app.smoke import run_smoke_test

        return run_smoke_test(
            lambda on_started: _run_gui(options, on_started, interactive=False),
            options.smoke_timeout,
        )
    return _run_gui(options)


def _bring_forward(window: MainWindow) -> None:
    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()


def _run_gui(
    options: GuiOptions,
    on_started: Callable[[AppGraph], None] | None = None,
    *,
    interactive: bool = True,
) -> int:
    """The window's whole life; ``on_started(graph)`` runs once it is shown and started."""
    QApplication.setApplicationName("Sequencer")
    QApplication.setApplicationDisplayName("Sequencer")
    QApplication.setApplicationVersion(__version__)
    QApplication.setOrganizationName("Sequencer")
    QApplication.setDesktopFileName("sequencer")
    existing = QApplication.instance()
    qapp = existing or QApplication([sys.argv[0] if sys.argv else "sequencer", *options.qt_args])
    theme.apply(qapp)
    _quit_on_signals(qapp)

    paths = AppPaths.from_env().ensure()
    setup_logging(paths.log_file)
    log.info(
        "Sequencer %s starting (config %s, data %s, cache %s)",
        __version__,
        paths.config_dir,
        paths.data_dir,
        paths.cache_dir,
    )
    name = instance_name(paths.data_dir)
    if interactive and forward_to_running(name, options.files):
        # Already running for this data folder: the files open there, in its window.
        log.info("Sequencer is already running; handed %d file(s) to it", len(options.files))
        print("Sequencer is already running; opened there.", file=sys.stderr)
        return 0
    reporter = CrashReporter(paths.log_file)
    hook = ExceptionHook(reporter.report).install()
    # SEQUENCER_SERVER_URL / _TOKEN / _USER win over the settings file, as on the command line.
    settings = Settings.open(paths.settings_file, environ=os.environ)
    for name in ("server_url", "api_token", "user_name"):
        if variable := settings.overridden_by(name):
            log.info("%s comes from the environment (%s)", name, variable)
    graph: AppGraph | None = None
    try:
        try:
            graph = AppGraph(paths, settings, crash_reporter=reporter)
        except Exception as exc:  # e.g. the embedded server cannot start: say why, exit
            log.exception("start-up failed")
            if not interactive:  # no one to close a dialog (smoke test, offscreen)
                print(f"sequencer: could not start: {exc}", file=sys.stderr)
                return 1
            QMessageBox.critical(
                None,
                "Sequencer could not start",
                f"{exc}\n\nThe details are in the log:\n{paths.log_file}",
            )
            return 1
        graph.window.show()
        graph.start()
        qapp.aboutToQuit.connect(graph.shutdown)
        opener = FileOpener(graph.window, graph.playback.player)
        if options.files:  # once the window is on screen, so a bad file's dialog has a parent
            QTimer.singleShot(0, lambda: opener.open(options.files))
        instance = InstanceServer(name, graph) if interactive else None
        if instance is not None:
            instance.filesReceived.connect(lambda files: _bring_forward(graph.window))
            instance.filesReceived.connect(lambda files: files and opener.open(files))
        if on_started is not None:
            on_started(graph)
        code = qapp.exec()
    finally:
        if graph is not None:
            graph.shutdown()
        hook.uninstall()
        log.info("Sequencer stopped")
    return int(code)
