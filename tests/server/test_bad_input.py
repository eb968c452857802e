"""Every bad input gets a clear 4xx and stores nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import TOKEN
from tests.server.helpers import BACKEND_KINDS, mp3_bytes, serve


@pytest.fixture(params=BACKEND_KINDS)
def served(request, tmp_path) -> Iterator[tuple]:
    with serve(request, tmp_path, MAX_UPLOAD_MB="1") as pair:
        yield pair


def stored_objects(backend) -> list[str]:
    if backend.storage.name == "s3":
        listing = backend.storage.client.list_objects_v2(Bucket=backend.settings.s3.bucket)
        return [o["Key"] for o in listing.get("Contents", [])]
    root = backend.storage.root
    return [str(p) for p in root.rglob("*") if p.is_file()]


def assert_nothing_stored(backend, thread_id: str | None = None) -> None:
    assert stored_objects(backend) == []
    assert backend.store.unattached_uploads("9999") == []
    if thread_id:
        assert backend.store.changes(thread_id, 0, 100).messages == []


def detail(response) -> str:
    body = response.json()
    assert isinstance(body["detail"], str)
    return body["detail"]


@pytest.mark.parametrize(
    ("data", "fields", "status", "says"),
    [
        (None, {"token": None}, 401, "Missing API token"),
        (None, {"token": "nope"}, 401, "Invalid API token"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(100), {}, 415, "not an MP3 file"),
        (b"", {}, 422, "empty"),
        (mp3_bytes() + bytes(1024 * 1024 + 10), {}, 413, "limit is 1 MB"),
        (None, {"format": "../../etc/passwd"}, 422, "is not supported; allowed: mp3"),
        (None, {"bitrate": "loud"}, 422, "bitrate"),
        (None, {"peaks": "[1, 2, 3]"}, 422, "peaks"),
    ],
    ids=["no token", "wrong token", "not mp3", "empty", "oversize", "format", "bitrate", "peaks"],
)
def test_upload_refused(served, data, fields, status, says):
    backend, c = served
    r = c.upload(data, **fields)
    assert r.status_code == status and says in detail(r)
    assert_nothing_stored(backend)


def test_wrong_bearer_token_beats_right_query_token(served):
    _backend, c = served
    r = c.http.get(
        f"{c.url}/api/v1/threads",
        params={"token": TOKEN},
        headers={"Authorization": "Bearer wrong"},
    )
    assert r.status_code == 401


def test_get_without_token(served):
    _, c = served
    r = c.http.get(f"{c.url}/api/v1/threads")
    assert r.status_code == 401 and "Missing API token" in detail(r)


def test_upload_oversize_streamed_without_length_is_cut_off(served):
    backend, c = served

    def chunks():
        boundary = b"--b0undary\r\n"
        yield boundary + b'Content-Disposition: form-data; name="token"\r\n\r\n'
        yield TOKEN.encode() + b"\r\n" + boundary
        yield b'Content-Disposition: form-data; name="file"; filename="x.mp3"\r\n'
        yield b"Content-Type: audio/mpeg\r\n\r\n" + mp3_bytes()
        for _ in range(40):
            yield bytes(64 * 1024)
        yield b"\r\n--b0undary--\r\n"

    r = c.http.post(
        f"{c.url}/api/v1/upload/audio",
        data=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert r.status_code == 413
    assert_nothing_stored(backend)


def test_message_in_unknown_thread(served):
    _backend, c = served
    r = c.create_message("no-such-thread")
    assert r.status_code == 404 and "thread 'no-such-thread' not found" in detail(r)


def test_attach_to_unknown_message(served):
    backend, c = served
    render = c.upload().json()
    r = c.attach("no-such-message", render)
    assert r.status_code == 404 and "message 'no-such-message' not found" in detail(r)
    assert backend.store.get_upload(render["id"])["message_id"] is None


@pytest.mark.parametrize(
    ("render", "token", "status", "says"),
    [
        ({"url": "https://evil.example/x.mp3"}, "default", 422, "render.id"),
        (
            {"id": "a1b2c3d4", "url": "https://evil.example/a1b2c3d4.mp3", "format": "mp3"},
            "default",
            422,
            "was not uploaded to this server",
        ),
        ("uploaded", "wrong", 401, "Invalid API token"),
    ],
    ids=["malformed render", "never uploaded", "wrong token"],
)
def test_attach_refused(served, render, token, status, says):
    backend, c = served
    thread = c.create_thread()
    message = c.create_message(thread["id"]).json()
    r = c.attach(message["id"], c.upload().json() if render == "uploaded" else render, token)
    assert r.status_code == status and says in detail(r)
    assert backend.store.get_message(message["id"])["renders"] == []


def test_attach_render_of_another_message(served):
    backend, c = served
    thread = c.create_thread()
    first = c.create_message(thread["id"]).json()
    second = c.create_message(thread["id"]).json()
    render = c.upload().json()
    assert c.attach(first["id"], render).status_code == 200
    r = c.attach(second["id"], render)
    assert r.status_code == 409 and "attached to another message" in detail(r)
    assert backend.store.get_message(second["id"])["renders"] == []


def test_malformed_json(served):
    backend, c = served
    broken = '{"token": "' + TOKEN + '", "name": '
    # the body's token cannot be read: 401 first, saying why
    r = c.raw_json("POST", "/api/v1/threads", broken)
    assert r.status_code == 401 and "its 'token' field was not read" in detail(r)
    r = c.raw_json("POST", f"/api/v1/threads?token={TOKEN}", broken)
    assert r.status_code == 400 and detail(r) == "Malformed JSON in the request body"
    assert backend.store.list_threads() == []


def test_message_missing_fields(served):
    backend, c = served
    thread = c.create_thread()
    r = c.http.post(
        f"{c.url}/api/v1/messages", json={"token": TOKEN, "parent_thread": thread["id"]}
    )
    assert r.status_code == 422
    assert "user_id: Field required" in detail(r) and "snapshot: Field required" in detail(r)
    assert_nothing_stored(backend, thread["id"])


@pytest.mark.parametrize(
    ("fields", "says"),
    [({"timestamp": "yesterday"}, "timestamp"), ({"id": "../../x"}, "id:")],
    ids=["timestamp", "client id"],
)
def test_message_refused(served, fields, says):
    backend, c = served
    thread = c.create_thread()
    r = c.create_message(thread["id"], **fields)
    assert r.status_code == 422 and says in detail(r)
    assert_nothing_stored(backend, thread["id"])


def test_message_id_reused_in_another_thread(served):
    backend, c = served
    a, b = c.create_thread("a"), c.create_thread("b")
    assert c.create_message(a["id"], id="m1").status_code == 201
    r = c.create_message(b["id"], id="m1")
    assert r.status_code == 409
    assert backend.store.changes(b["id"], 0, 10).messages == []


def test_unknown_thread_and_message_reads(served):
    _, c = served
    for path in ("/api/v1/threads/nope", "/api/v1/threads/nope/messages", "/api/v1/messages/nope"):
        r = c.http.get(f"{c.url}{path}", params={"token": TOKEN})
        assert r.status_code == 404, path
    r = c.http.delete(f"{c.url}/api/v1/messages/nope", params={"token": TOKEN})
    assert r.status_code == 404


def test_bad_cursor(served):
    _, c = served
    thread = c.create_thread()
    r = c.http.get(
        f"{c.url}/api/v1/threads/{thread['id']}/messages",
        params={"token": TOKEN, "since": "yesterday"},
    )
    assert r.status_code == 422 and "since" in detail(r)


def test_media_path_traversal(served):
    _, c = served
    r = c.http.get(f"{c.url}/media/..%2F..%2Fsequencer.sqlite3")
    assert r.status_code == 404
