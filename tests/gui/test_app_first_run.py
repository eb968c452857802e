"""services/first_run.py against a real (embedded) server."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.embedded_server import EmbeddedServer
from desktop_app.services.first_run import (
    WELCOME_THREAD_NAME,
    ensure_welcome_thread,
    welcome_message_id,
)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    server = EmbeddedServer(tmp_path_factory.mktemp("first-run-server"))
    url, token = server.start()
    yield ApiClient(url, token)
    server.stop()


def test_creates_the_welcome_thread_exactly_once(api: ApiClient) -> None:
    marker = SimpleNamespace(welcome_thread_id="")
    welcome = ensure_welcome_thread(api, marker, "ada")
    assert welcome is not None
    assert marker.welcome_thread_id == welcome.thread.id
    assert welcome.thread.name == WELCOME_THREAD_NAME
    assert ensure_welcome_thread(api, marker, "ada") is None
    assert [t.id for t in api.list_threads() if t.name == WELCOME_THREAD_NAME] == [
        welcome.thread.id
    ]
    messages = api.list_messages(welcome.thread.id).messages
    assert len(messages) == 1
    assert messages[0].id == welcome_message_id(welcome.thread.id)
    assert messages[0].user_id == "ada"
    assert messages[0].snapshot == demo_pattern().to_snapshot()
    assert messages[0].snapshot_metadata["tracks"] == 8


def test_a_failing_renderer_still_posts_the_pattern(api: ApiClient) -> None:
    def broken(pattern, loops):
        raise OSError("disk full")

    marker = SimpleNamespace(welcome_thread_id="")
    welcome = ensure_welcome_thread(api, marker, "bo", render_demo=broken)
    assert welcome is not None and welcome.message.renders == ()
    assert marker.welcome_thread_id


def test_server_errors_leave_the_marker_unset(tmp_path: Path) -> None:
    marker = SimpleNamespace(welcome_thread_id="")
    with pytest.raises(Exception, match="reach"):
        ensure_welcome_thread(ApiClient("http://127.0.0.1:9", "t", timeout=1), marker, "ada")
    assert marker.welcome_thread_id == ""
