"""Odd requests get a 4xx, never a 500: cursors beyond 64 bits, deeply nested peaks, odd
media paths and ranges, no token with an invalid body; the token stays out of the access
log; limits from the environment must be positive numbers."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client, mp3_bytes
from tests.server.limit_checks import detail, nested, stored_messages, stored_renders

# Odd cursors, peaks and media paths ---------------------------------------------------


@pytest.mark.parametrize("since", [str(2**63), str(2**64), "9" * 19])
def test_cursor_beyond_64_bits_is_422(served, since):
    _backend, c = served
    thread = c.create_thread()
    r = c.http.get(
        f"{c.url}/api/v1/threads/{thread['id']}/messages",
        params={"token": TOKEN, "since": since},
    )
    assert r.status_code == 422 and "since" in detail(r)


def test_deeply_nested_peaks_are_422(served):
    backend, c = served
    r = c.upload(peaks="[" * 2000 + "0.5" + "]" * 2000)
    assert r.status_code == 422 and "peaks" in detail(r)
    assert stored_renders(backend) == []


@pytest.mark.parametrize("key", ["a" * 5000, "x/" * 3000 + "y.mp3", "test/renders/%00.mp3"])
def test_overlong_or_odd_media_path_is_404(served, key):
    _backend, c = served
    r = c.http.get(f"{c.url}/media/{key}")
    assert r.status_code == 404


# Smaller: auth first, names, omitted render fields -------------------------------------


def test_no_token_and_invalid_body_is_401_without_field_details(served):
    backend, c = served
    thread = c.create_thread()
    for path, body in [
        ("/api/v1/messages", {"parent_thread": thread["id"]}),
        ("/api/v1/messages", {"snapshot": {"deep": nested(100)}}),
        ("/api/v1/threads", {"name": ""}),
        (f"/api/v1/messages/{'x'}/renders", {"render": {}}),
    ]:
        r = c.http.post(f"{c.url}{path}", json=body)
        assert r.status_code == 401, (path, r.text)
        assert "Missing API token" in detail(r)
    r = c.http.post(f"{c.url}/api/v1/threads")
    assert r.status_code == 401
    r = c.http.patch(f"{c.url}/api/v1/threads/{thread['id']}", json={"token": "wrong", "name": 1})
    assert r.status_code == 401 and detail(r) == "Invalid API token"
    assert stored_messages(backend, thread["id"]) == []


def test_blank_thread_names_are_refused_and_names_are_stripped(served):
    backend, c = served
    thread = c.create_thread("  Jam  ")
    assert thread["name"] == "Jam"
    r = c.http.patch(f"{c.url}/api/v1/threads/{thread['id']}", json={"token": TOKEN, "name": "   "})
    assert r.status_code == 422 and "name" in detail(r)
    assert backend.store.get_thread(thread["id"])["name"] == "Jam"
    r = c.http.post(f"{c.url}/api/v1/threads", json={"token": TOKEN, "name": " \t "})
    assert r.status_code == 422


def test_render_fields_the_upload_omitted_stay_omitted_on_read(served):
    _backend, c = served
    thread = c.create_thread()
    render = c.upload().json()
    assert not {"bitrate", "duration", "peaks"} & set(render)
    message = c.create_message(thread["id"], renders=[{"id": render["id"]}]).json()
    assert not {"bitrate", "duration", "peaks"} & set(message["renders"][0])
    got = c.http.get(f"{c.url}/api/v1/messages/{message['id']}", params={"token": TOKEN})
    polled = c.changes(thread["id"])["messages"][0]
    for shown in (got.json()["renders"][0], polled["renders"][0]):
        assert not {"bitrate", "duration", "peaks"} & set(shown), shown


# Smaller: the token stays out of the access log --------------------------------------------


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_token_is_redacted_from_the_access_log_however_it_is_spelled(tmp_path):
    from sequencer_server.threaded import ThreadedServer

    backend = make_backend("sqlite-local", tmp_path)
    access = logging.getLogger("uvicorn.access")
    lines = _Lines()
    with ThreadedServer(backend.app(), log_level="info", access_log=True) as server:
        access.addHandler(lines)
        try:
            c = Client(server.url)
            encoded = "".join(f"%{b:02X}" for b in TOKEN.encode())
            c.http.get(f"{server.url}/api/v1/threads?%74oken={TOKEN}")
            c.http.get(f"{server.url}/api/v1/threads?token={encoded}")
            c.http.get(f"{server.url}/api/v1/threads/{TOKEN}", params={"token": TOKEN})
            c.http.get(f"{server.url}/media/{encoded}")
            deadline = time.monotonic() + 5
            while len(lines.lines) < 4 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            access.removeHandler(lines)
    assert len(lines.lines) >= 4
    suffix = TOKEN.split("-")[-1]
    for line in lines.lines:
        assert suffix not in line and "%74oken" not in line, line


# Smaller: HEAD and Range on /media -------------------------------------------------------


@pytest.fixture
def media_url(tmp_path) -> Iterator[tuple[str, bytes]]:
    from sequencer_server.threaded import ThreadedServer

    backend = make_backend("sqlite-local", tmp_path)
    with ThreadedServer(backend.app()) as server:
        render = Client(server.url).upload().json()
        yield render["url"], mp3_bytes()


def test_head_on_media_answers_the_headers_without_a_body(media_url):
    import requests

    url, data = media_url
    r = requests.head(url)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == len(data)
    assert r.headers["content-type"] == "audio/mpeg"
    assert r.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize("value", ["bytes=100-50", "items=0-5", "bytes=abc", "bytes=0-5,x"])
def test_invalid_range_is_ignored(media_url, value):
    import requests

    url, data = media_url
    r = requests.get(url, headers={"Range": value})
    assert r.status_code == 200 and r.content == data


def test_valid_and_unsatisfiable_ranges(media_url):
    import requests

    url, data = media_url
    r = requests.get(url, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20]
    r = requests.get(url, headers={"Range": f"bytes={len(data) + 10}-"})
    assert r.status_code == 416


def test_method_not_allowed_lists_every_method_of_the_path(served):
    _backend, c = served
    r = c.http.delete(f"{c.url}/api/v1/threads", params={"token": TOKEN})
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "POST"}


@pytest.mark.parametrize("name", ["MAX_JSON_KB", "MAX_UPLOADS_PER_CLIENT"])
def test_limits_from_the_environment_must_be_positive_numbers(tmp_path, name):
    from sequencer_server.config import ConfigError, Settings

    settings = Settings.from_env({"API_TOKEN": "t", name: "7"}, data_dir=tmp_path)
    assert (settings.max_json_kb, settings.max_uploads_per_client) == (
        (7, 4) if name == "MAX_JSON_KB" else (1024, 7)
    )
    for bad in ("lots", "0", "-1"):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({"API_TOKEN": "t", name: bad}, data_dir=tmp_path)
