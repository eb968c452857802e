"""What clients send is bounded: body sizes, nesting, numbers, uploads in flight; a wrong
token costs the server nothing; odd paths, cursors and ranges get a 4xx, never a 500."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.conftest import TOKEN, make_backend
from tests.server.helpers import BACKEND_KINDS, Client, mp3_bytes, serve

BOUNDARY = "b0undary"


@pytest.fixture(params=BACKEND_KINDS)
def served(request, tmp_path) -> Iterator[tuple]:
    with serve(request, tmp_path, MAX_UPLOAD_MB="100") as pair:
        yield pair


def stored_messages(backend, thread_id: str) -> list:
    return backend.store.changes(thread_id, 0, 100).messages


def stored_renders(backend) -> list[str]:
    if backend.storage.name == "s3":
        listing = backend.storage.client.list_objects_v2(Bucket=backend.settings.s3.bucket)
        return [o["Key"] for o in listing.get("Contents", [])]
    return [str(p) for p in backend.storage.root.rglob("*") if p.is_file()]


def nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for _ in range(depth - 1):
        value = [value]
    return value


def detail(response) -> str:
    body = response.json()
    assert isinstance(body["detail"], str)
    return body["detail"]


def message_body(thread_id: str, snapshot: object, **extra: object) -> dict:
    return {
        "token": TOKEN,
        "parent_thread": thread_id,
        "user_id": "alice",
        "snapshot": snapshot,
        "renders": [],
        **extra,
    }


def open_request(url: str, head: str, body_start: bytes = b"") -> socket.socket:
    """Send a request's head and the start of its body, and leave the rest unsent."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.sendall(head.encode() + b"\r\n" + body_start)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The response to a request whose body was never finished: a server still waiting for
    that body times out here (socket.timeout) instead of answering."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
    while len(rest) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers, rest


def request_head(method: str, path: str, headers: dict[str, str]) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return "\r\n".join(lines) + "\r\n"


def form_part(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


FILE_PART_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="take.mp3"\r\n'
    "Content-Type: audio/mpeg\r\n\r\n"
).encode()
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


# 1. Nesting depth ---------------------------------------------------------------------


def test_deeply_nested_snapshot_is_refused_and_thread_stays_readable(served):
    backend, c = served
    thread = c.create_thread()
    r = c.http.post(
        f"{c.url}/api/v1/messages", json=message_body(thread["id"], {"deep": nested(256)})
    )
    assert r.status_code == 422 and "nested deeper than 32 levels" in detail(r)
    assert stored_messages(backend, thread["id"]) == []
    assert c.changes(thread["id"])["messages"] == []


def test_nesting_is_counted_inside_metadata_too(served):
    backend, c = served
    thread = c.create_thread()
    body = message_body(thread["id"], {"bpm": 120}, snapshot_metadata={"x": nested(40)})
    r = c.http.post(f"{c.url}/api/v1/messages", json=body)
    assert r.status_code == 422 and "nested deeper" in detail(r)
    assert stored_messages(backend, thread["id"]) == []


def test_snapshot_nested_32_deep_is_stored_and_read_back(served):
    _backend, c = served
    thread = c.create_thread()
    snapshot = {"deep": nested(31)}  # the snapshot object itself is the first level
    r = c.http.post(f"{c.url}/api/v1/messages", json=message_body(thread["id"], snapshot))
    assert r.status_code == 201, r.text
    got = c.http.get(f"{c.url}/api/v1/messages/{r.json()['id']}", params={"token": TOKEN})
    assert got.status_code == 200 and got.json()["snapshot"] == snapshot
    assert len(c.changes(thread["id"])["messages"]) == 1


def test_json_nested_beyond_the_parsers_recursion_is_422(served):
    backend, c = served
    thread = c.create_thread()
    text = json.dumps(message_body(thread["id"], {}))[:-1] + ', "x": ' + "[" * 100_000
    text += "]" * 100_000 + "}"
    r = c.raw_json("POST", "/api/v1/messages", text)
    assert r.status_code == 422 and "nested deeper" in detail(r)
    assert stored_messages(backend, thread["id"]) == []


# 2. Non-finite and out-of-range numbers ------------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_number_is_refused_and_nothing_stored(served, number):
    backend, c = served
    thread = c.create_thread()
    text = json.dumps(message_body(thread["id"], {"bpm": 0})).replace(
        '"bpm": 0', f'"bpm": {number}'
    )
    r = c.raw_json("POST", "/api/v1/messages", text)
    assert r.status_code == 422 and "finite number" in detail(r)
    assert stored_messages(backend, thread["id"]) == []


def test_fraction_beyond_the_integer_range_is_refused(served):
    backend, c = served
    thread = c.create_thread()
    r = c.http.post(f"{c.url}/api/v1/messages", json=message_body(thread["id"], {"x": 1e95}))
    assert r.status_code == 422 and "within ±2^63" in detail(r)
    assert stored_messages(backend, thread["id"]) == []


def test_integer_beyond_64_bits_is_refused(served):
    backend, c = served
    thread = c.create_thread()
    r = c.http.post(f"{c.url}/api/v1/messages", json=message_body(thread["id"], {"bpm": 2**64}))
    assert r.status_code == 422 and "64 bits" in detail(r)
    assert stored_messages(backend, thread["id"]) == []


# 3. Size of JSON bodies ------------------------------------------------------------------


def test_json_body_over_the_cap_is_413(served):
    backend, c = served
    thread = c.create_thread()
    start = json.dumps(message_body(thread["id"], {}))[:-2].encode() + b', "pad": "'

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield start
        for _ in range(20):
            yield b"x" * (64 * 1024)
        yield b'"}}'

    r = c.http.post(
        f"{c.url}/api/v1/messages",
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413 and "limit is 1024 KB (MAX_JSON_KB)" in detail(r)
    assert stored_messages(backend, thread["id"]) == []


def test_declared_length_over_the_cap_is_refused_before_the_body_is_read(served):
    _backend, c = served
    head = request_head(
        "POST",
        "/api/v1/messages",
        {"Content-Type": "application/json", "Content-Length": str(100 * 1024 * 1024)},
    )
    with open_request(c.url, head, b'{"snapshot": ') as sock:
        status, _headers, _ = read_response(sock)
    assert status == 413


def test_chunked_json_body_is_cut_off_at_the_cap(served):
    backend, c = served
    thread = c.create_thread()
    head = request_head(
        "POST",
        "/api/v1/messages",
        {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    start = json.dumps(message_body(thread["id"], {}))[:-2].encode() + b', "pad": "'
    chunk = b"x" * (256 * 1024)
    body = b"%x\r\n%s\r\n" % (len(start), start)
    body += b"%x\r\n%s\r\n" % (len(chunk), chunk) * 5  # past 1 MiB, and never finished
    with open_request(c.url, head, body) as sock:
        status, _headers, _ = read_response(sock)
    assert status == 413
    assert stored_messages(backend, thread["id"]) == []


def test_large_body_is_parsed_off_the_event_loop(served, monkeypatch):
    from sequencer_server import json_body

    _backend, c = served
    thread = c.create_thread()
    seen: list[bool] = []
    parse = json_body.parse_body

    def recording(body: bytes):
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)
        return parse(body)

    monkeypatch.setattr(json_body, "parse_body", recording)
    snapshot = {"tracks": [{"steps": [100] * 64, "name": "t" * 100} for _ in range(200)]}
    r = c.http.post(f"{c.url}/api/v1/messages", json=message_body(thread["id"], snapshot))
    assert r.status_code == 201
    assert seen == [False], "a large body was parsed on the event loop"


def test_thread_users_and_names_are_bounded(served):
    backend, c = served
    url = f"{c.url}/api/v1/threads"
    too_many = c.http.post(url, json={"token": TOKEN, "name": "x", "users": ["u"] * 201})
    long_user = c.http.post(url, json={"token": TOKEN, "name": "x", "users": ["u" * 201]})
    long_name = c.http.post(url, json={"token": TOKEN, "name": "n" * 201})
    assert [too_many.status_code, long_user.status_code, long_name.status_code] == [422] * 3
    assert "users" in detail(too_many) and "users.0" in detail(long_user)
    assert backend.store.list_threads() == []


# 4. Uploads: the token before the body, and uploads in flight per client ------------------


def test_wrong_bearer_is_refused_before_the_upload_body_is_read(served):
    backend, c = served
    head = request_head(
        "POST",
        "/api/v1/upload/audio",
        {
            "Authorization": "Bearer wrong",
            "Content-Type": MULTIPART,
            "Content-Length": str(60 * 1024 * 1024),
        },
    )
    with open_request(c.url, head, FILE_PART_HEAD + mp3_bytes()) as sock:
        status, _headers, _ = read_response(sock)
    assert status == 401
    assert stored_renders(backend) == []


def test_wrong_token_field_is_refused_before_the_file_is_read(served):
    backend, c = served
    head = request_head(
        "POST",
        "/api/v1/upload/audio",
        {"Content-Type": MULTIPART, "Content-Length": str(60 * 1024 * 1024)},
    )
    start = form_part("format", "mp3") + form_part("token", "wrong") + FILE_PART_HEAD
    with open_request(c.url, head, start + mp3_bytes()) as sock:
        status, _headers, body = read_response(sock)
    assert status == 401 and b"Invalid API token" in body
    assert stored_renders(backend) == []


def test_oversized_or_too_many_form_fields_are_400(served):
    backend, c = served
    r = c.upload(peaks="0" * (65 * 1024))
    assert r.status_code == 400 and "Malformed multipart body" in detail(r)
    many = b"".join(form_part(f"f{i}", "x") for i in range(20))
    body = many + FILE_PART_HEAD + mp3_bytes() + f"\r\n--{BOUNDARY}--\r\n".encode()
    r = c.http.post(
        f"{c.url}/api/v1/upload/audio",
        data=body,
        headers={"Content-Type": MULTIPART, "Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 400 and "Too many fields" in detail(r)
    assert stored_renders(backend) == []


def test_token_field_after_the_file_is_still_honoured(served):
    _backend, c = served
    body = (
        FILE_PART_HEAD
        + mp3_bytes()
        + b"\r\n"
        + form_part("token", TOKEN)
        + f"--{BOUNDARY}--\r\n".encode()
    )
    r = c.http.post(f"{c.url}/api/v1/upload/audio", data=body, headers={"Content-Type": MULTIPART})
    assert r.status_code == 200, r.text


def test_uploads_in_flight_per_client_are_capped(served):
    backend, c = served
    head = request_head(
        "POST",
        "/api/v1/upload/audio",
        {
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": MULTIPART,
            "Content-Length": str(10 * 1024 * 1024),
        },
    )
    held = [open_request(c.url, head, FILE_PART_HEAD + mp3_bytes()) for _ in range(4)]
    try:
        time.sleep(0.5)  # the four are inside the route, waiting for the rest of their bodies
        with open_request(c.url, head, FILE_PART_HEAD) as fifth:
            status, headers, body = read_response(fifth)
        assert status == 429 and b"MAX_UPLOADS_PER_CLIENT" in body
        assert int(headers["retry-after"]) > 0
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 5
    while (r := c.upload()).status_code == 429 and time.monotonic() < deadline:
        time.sleep(0.1)  # the server notices the closed connections and frees their slots
    assert r.status_code == 200, r.text
    assert len(stored_renders(backend)) == 1


# 5. Odd cursors, peaks and media paths ---------------------------------------------------


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
