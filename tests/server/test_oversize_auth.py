"""401 before 413: a body over the size limit tells its limit only to a caller whose token
checks out; without one the answer is the 401 a small body gets, in the same words, so an
unauthenticated caller learns nothing about limits. The seed's clients put the token in
the body, so a body's own token still counts when it arrives before the limit."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest

from sequencer_server.body_token import leading_token
from tests.conftest import TOKEN
from tests.server import raw_http as raw
from tests.server.limit_checks import detail, message_body, stored_messages

JSON_LIMIT = 1024 * 1024  # the served fixture's MAX_JSON_KB
MISSING = (
    "Missing API token: send it as the 'token' field or parameter, "
    "or as 'Authorization: Bearer <token>'"
)


def _declared(url: str, path: str, headers: dict[str, str], start: bytes) -> tuple:
    """A JSON request announcing 100 MB, of which only ``start`` and then up to the
    limit is sent: what the server answers to it."""
    head = raw.request_head(
        "POST",
        path,
        {"Content-Type": "application/json", "Content-Length": str(100 * 1024 * 1024), **headers},
    )
    with raw.open_request(url, head, start) as sock:
        sock.settimeout(10)
        with contextlib.suppress(OSError):  # the server may answer before all is sent
            sock.sendall(b"x" * (JSON_LIMIT + 1))
        return raw.read_response(sock)


@pytest.mark.parametrize("path", ["/api/v1/messages", "/api/v1/threads"])
def test_an_oversize_json_body_without_a_token_is_401_in_the_words_of_a_small_one(served, path):
    _backend, c = served
    small = c.http.post(f"{c.url}{path}", json={"name": "x"})
    assert small.status_code == 401 and detail(small) == MISSING
    status, headers, body = _declared(c.url, path, {}, b'{"name": "')
    assert status == 401, body
    assert json.loads(body)["detail"] == MISSING
    assert headers.get("connection") == "close"
    assert b"KB" not in body and b"limit" not in body


def test_a_wrong_token_with_an_oversize_body_is_401_wherever_it_is(served):
    backend, c = served
    thread = c.create_thread()
    path = "/api/v1/messages"
    for headers, start in [
        ({"Authorization": "Bearer wrong-token"}, b'{"token": "'),
        ({}, b'{"token": "wrong-token", "pad": "'),
    ]:
        status, _headers, body = _declared(c.url, path, headers, start)
        assert status == 401 and json.loads(body)["detail"] == "Invalid API token"
    query = c.http.post(
        f"{c.url}{path}",
        params={"token": "wrong"},
        data=b'{"pad": "' + b"x" * (JSON_LIMIT + 10) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert query.status_code == 401 and detail(query) == "Invalid API token"
    assert stored_messages(backend, thread["id"]) == []


def test_a_good_token_outside_the_body_hears_413_before_the_body_is_read(served):
    _backend, c = served
    head = raw.request_head(
        "POST",
        "/api/v1/messages",
        {
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": "application/json",
            "Content-Length": str(100 * 1024 * 1024),
        },
    )
    with raw.open_request(c.url, head, b'{"snapshot": ') as sock:  # the rest never sent
        status, _headers, body = raw.read_response(sock)
    assert status == 413 and b"MAX_JSON_KB" in body
    head = raw.request_head(
        "POST",
        f"/api/v1/threads?token={TOKEN}",
        {"Content-Type": "application/json", "Content-Length": str(100 * 1024 * 1024)},
    )
    with raw.open_request(c.url, head, b'{"name": ') as sock:
        status, _headers, body = raw.read_response(sock)
    assert status == 413 and b"MAX_JSON_KB" in body


def test_the_bodys_own_token_before_the_limit_hears_413(served):
    backend, c = served
    thread = c.create_thread()
    start = json.dumps(message_body(thread["id"], {}))[:-2].encode() + b', "pad": "'
    status, _headers, body = _declared(c.url, "/api/v1/messages", {}, start)
    assert status == 413 and b"MAX_JSON_KB" in body
    assert stored_messages(backend, thread["id"]) == []


def test_a_token_after_the_limit_or_nested_is_no_token(served):
    _backend, c = served

    def chunks(first: bytes, last: bytes) -> Iterator[bytes]:
        yield first
        for _ in range(20):
            yield b"x" * (64 * 1024)
        yield last

    for first, last in [
        (b'{"pad": "', b'", "token": "' + TOKEN.encode() + b'"}'),
        (b'{"snapshot": {"token": "' + TOKEN.encode() + b'"}, "pad": "', b'"}'),
    ]:
        r = c.http.post(
            f"{c.url}/api/v1/messages",
            data=chunks(first, last),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 401 and detail(r) == MISSING


def test_an_oversize_upload_is_told_its_limit_only_after_its_token(served):
    backend, c = served
    length = 200 * 1024 * 1024  # over MAX_UPLOAD_MB=100 and its form allowance
    for token, status in [("wrong", 401), (TOKEN, 413)]:
        start = raw.form_part("token", token) + raw.FILE_PART_HEAD
        with raw.open_request(c.url, raw.upload_head(length, None), start) as sock:
            got, _headers, body = raw.read_response(sock)
        assert got == status, body
    with raw.open_request(c.url, raw.upload_head(length, None), raw.FILE_PART_HEAD) as sock:
        got, headers, body = raw.read_response(sock)
    assert got == 401 and headers.get("connection") == "close"
    assert backend.store.unattached_uploads("9999") == []


def test_leading_token_reads_only_the_top_level_object():
    assert leading_token(b' {"a": [1, {"token": "no"}], "token" : "yes", "b": "cut') == "yes"
    assert leading_token(b'{"a": "cut off before the token') is None
    assert leading_token(b'{"token": 5}') is None
    assert leading_token(b'["token", "x"]') is None
    assert leading_token(b'{"a": ' + b"[" * 100_000) is None
    assert leading_token('{"token": "caf\u00e9"}'.encode()) == "caf\u00e9"
