"""The first start: a "Welcome" thread holding the demo groove.

A new user should see how the app is meant to be used (patterns travel in threads) and
hear something within seconds, so on the very first start the app creates a thread named
"Welcome" with one message carrying the demo pattern (and, when a renderer is supplied,
its MP3 render so it plays inline). Done once: a marker in the settings
(``welcome_thread_id``) makes it idempotent, and the message id is derived from the thread
id so a retry after a crash between the two calls cannot post the demo twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from desktop_app import __version__
from desktop_app.domain.message import Message, Render, Thread
from desktop_app.domain.pattern import Pattern, demo_pattern

log = logging.getLogger(__name__)

WELCOME_THREAD_NAME = "Welcome"
DEMO_LOOPS = 4
_NAMESPACE = uuid.UUID("6d1c2c52-8a0e-4c55-9a43-6f1b0c9a57e1")


class WelcomeApi(Protocol):
    """The part of ``services.api.ApiClient`` this module uses."""

    def create_thread(self, name: str, users: tuple[str, ...] = ()) -> Thread: ...

    def create_message(
        self,
        thread_id: str,
        user_id: str,
        snapshot: dict[str, Any],
        *,
        snapshot_metadata: dict[str, Any] | None = None,
        timestamp: str | None = None,
        message_id: str | None = None,
        renders: Any = (),
    ) -> Message: ...


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
    message = api.create_message(
        thread.id,
        user_id,
        pattern.to_snapshot(),
        snapshot_metadata=pattern.metadata(
            loops=DEMO_LOOPS if renders else None, app_version=__version__
        ),
        message_id=welcome_message_id(thread.id),
        renders=renders,
    )
    marker.welcome_thread_id = thread.id
    log.info("first run: created the Welcome thread %s", thread.id)
    return Welcome(thread, message, pattern)
