"""JSON bodies are bounded: nesting depth, non-finite and out-of-range numbers, body size
(declared, chunked or streamed), list and name lengths; large bodies are parsed off the
event loop. Nothing refused is stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from tests.conftest import TOKEN
from tests.server.helpers import pattern
from tests.server.limit_checks import detail, message_body, nested, stored_messages
from tests.server.raw_http import open_request, read_response, request_head

# Nesting depth ---------------------------------------------------------------------


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
    snapshot = pattern(deep=nested(31))  # the snapshot object itself is the first level
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
    # its own token cannot be read: 401 first; with the token outside the body, 422
    r = c.raw_json("POST", "/api/v1/messages", text)
    assert r.status_code == 401 and "its 'token' field was not read" in detail(r)
    r = c.raw_json("POST", f"/api/v1/messages?token={TOKEN}", text)
    assert r.status_code == 422 and "nested deeper" in detail(r)
    assert stored_messages(backend, thread["id"]) == []


# Non-finite and out-of-range numbers ------------------------------------------------


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


# Size of JSON bodies ------------------------------------------------------------------


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
        {
            "Authorization": f"Bearer {TOKEN}",  # without a token it is 401 (oversize_auth)
            "Content-Type": "application/json",
            "Content-Length": str(100 * 1024 * 1024),
        },
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
    track = {"steps": [100] * 64, "name": "t" * 100, "sample": "kick"}
    snapshot = pattern(length=64, tracks=[track] * 200)
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
