"""The first start: a "Welcome" thread holding the demo groove.

A new user should see how the app is meant to be used (patterns travel in threads) and
hear something within seconds, so on the very first start on its own (embedded) server
the app creates a thread named "Welcome" with one message carrying the demo pattern (and,
when a renderer is supplied, its MP3 render so it plays inline). Done once: a marker in the settings
(``welcome_thread_id``) makes it idempotent, and the message id is derived from the thread
id so a retry after a crash between the two calls cannot post the demo twice.

``start_first_run`` is how the running app does it: on a worker, with the demo rendered
by the app's own engine (``make_demo_renderer``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Protocol

from desktop_app import __version__
from desktop_app.domain.draft import MessageDraft
from desktop_app.domain.message import Message, Render, Thread
from desktop_app.domain.pattern import Pattern, demo_pattern

if TYPE_CHECKING:
    import numpy as np

    from desktop_app.services.tasks import TaskRunner

log = logging.getLogger(__name__)

WELCOME_THREAD_NAME = "Welcome"
DEMO_LOOPS = 4
_NAMESPACE = uuid.UUID("6d1c2c52-8a0e-4c55-9a43-6f1b0c9a57e1")


class WelcomeApi(Protocol):
    """The part of ``services.api.ApiClient`` this module uses."""

    def create_thread(self, name: str, users: tuple[str, ...] = ()) -> Thread: ...

    def post_message(self, draft: MessageDraft) -> Message: ...


class WelcomeMarker(Protocol):
    """Where "already done" is remembered (``Settings``)."""

    welcome_thread_id: str


# Turns the demo pattern into an uploaded render (bounce → MP3 → upload), or None.
RenderDemo = Callable[[Pattern, int], Render | None]


@dataclass(frozen=True)
class Welcome:
    thread: Thread
    message: Message
    pattern: Pattern


def welcome_message_id(thread_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"welcome:{thread_id}"))


def is_first_run(marker: WelcomeMarker) -> bool:
    return not marker.welcome_thread_id


def welcome_wanted(marker: WelcomeMarker, own_server: bool) -> bool:
    """A first start on this user's own (embedded) server. A band's shared server gets
    nothing: every bandmate would find a newcomer's demo in their list. The marker stays
    unset there, so the Welcome comes on the first start with the local server."""
    return own_server and is_first_run(marker)


def ensure_welcome_thread(
    api: WelcomeApi,
    marker: WelcomeMarker,
    user_id: str,
    *,
    render_demo: RenderDemo | None = None,
) -> Welcome | None:
    """Create the Welcome thread unless the marker says it exists; ``None`` if nothing was
    done. Blocking (network): call it from a worker. Errors propagate so the caller can
    retry on the next start; the marker is only set once the message exists."""
    if not is_first_run(marker):
        return None
    pattern = demo_pattern()
    thread = api.create_thread(WELCOME_THREAD_NAME, users=(user_id,))
    renders: tuple[Render, ...] = ()
    if render_demo is not None:
        try:
            render = render_demo(pattern, DEMO_LOOPS)
        except Exception:  # a missing render is cosmetic; the pattern is what matters
            log.warning("could not render the demo pattern", exc_info=True)
            render = None
        if render is not None:
            renders = (render,)
    message = api.post_message(
        MessageDraft(
            thread.id,
            user_id,
            pattern.to_snapshot(),
            pattern.metadata(loops=DEMO_LOOPS if renders else None, app_version=__version__),
            renders=renders,
            id=welcome_message_id(thread.id),
        )
    )
    marker.welcome_thread_id = thread.id
    log.info("first run: created the Welcome thread %s", thread.id)
    return Welcome(thread, message, pattern)


# ---- in the running app --------------------------------------------------------------
class Bouncer(Protocol):
    """The part of ``audio.engine.Engine`` the demo render uses."""

    @property
    def sample_rate(self) -> int: ...
    def bounce(self, pattern: Pattern, loops: int) -> np.ndarray: ...


class Uploader(Protocol):
    def upload_audio(
        self,
        path: Path,
        *,
        bitrate: int | None = None,
        duration: float | None = None,
        peaks: Iterable[float] | None = None,
    ) -> Render: ...


def make_demo_renderer(engine: Bouncer, api: Uploader, work_dir: Path) -> RenderDemo:
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


class FirstRunSettings(Protocol):
    """The part of ``Settings`` the first run reads and writes (on the GUI thread)."""

    welcome_thread_id: str
    last_thread_id: str

    def sync(self) -> None: ...


def start_first_run(
    tasks: TaskRunner,
    api: WelcomeApi,
    settings: FirstRunSettings,
    user_id: str,
    render_demo: RenderDemo | None,
    on_created: Callable[[str], None],
) -> None:
    """Create the Welcome thread on a worker; on the GUI thread the settings remember it
    (and that it is the thread to open), then ``on_created(thread_id)``. A failure is
    only logged: the next start tries again."""
    # The worker gets its own marker: QSettings is not shared across threads.
    marker = SimpleNamespace(welcome_thread_id=settings.welcome_thread_id)

    def work() -> Welcome | None:
        return ensure_welcome_thread(api, marker, user_id, render_demo=render_demo)

    def done(welcome: Welcome | None) -> None:
        if welcome is None:
            return
        settings.welcome_thread_id = welcome.thread.id
        settings.last_thread_id = welcome.thread.id
        settings.sync()
        on_created(welcome.thread.id)

    tasks.submit(
        work,
        on_done=done,
        on_error=lambda exc: log.warning("could not create the Welcome thread: %s", exc),
    )
