"""A wrong token is answered 401 before anything about the body: a malformed JSON body
or multipart form does not turn a bad token into a 400, and a wrong Bearer token is refused
before a byte of the body is read."""

from __future__ import annotations

import pytest

from tests.conftest import TOKEN
from tests.server import raw_http as raw
from tests.server.limit_checks import detail, stored_messages

MALFORMED = '{"parent_thread": "x", "user_id": '
# Routes that take a JSON body: (method, path with {thread} for a real thread's id).
JSON_ROUTES = [
    ("POST", "/api/v1/messages"),
    ("POST", "/api/v1/threads"),
    ("PATCH", "/api/v1/threads/{thread}"),
    ("POST", "/api/v1/messages/x/renders"),
]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
def test_a_wrong_token_with_malformed_json_is_401(served, method, path):
    backend, c = served
    thread = c.create_thread()
    url = c.url + path.format(thread=thread["id"])
    json_type = {"Content-Type": "application/json"}
    bearer = {**json_type, "Authorization": "Bearer wrong-token"}
    r = c.http.request(method, url, data=MALFORMED, headers=bearer)
    assert r.status_code == 401 and detail(r) == "Invalid API token"
    r = c.http.request(method, url, data=MALFORMED, headers=json_type, params={"token": "wrong"})
    assert r.status_code == 401 and detail(r) == "Invalid API token"
    # with the right token the body is what is wrong
    r = c.http.request(
        method, url, data=MALFORMED, headers={**json_type, "Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 400 and detail(r) == "Malformed JSON in the request body"
    r = c.http.request(method, url, data=MALFORMED, headers=json_type, params={"token": TOKEN})
    assert r.status_code == 400
    assert stored_messages(backend, thread["id"]) == []


def test_a_wrong_bearer_on_a_json_route_is_refused_before_the_body_is_read(served):
    backend, c = served
    thread = c.create_thread()
    head = raw.request_head(
        "POST",
        "/api/v1/messages",
        {
            "Authorization": "Bearer wrong-token",
            "Content-Type": "application/json",
            "Content-Length": str(900 * 1024),
        },
    )
    with raw.open_request(c.url, head, b'{"parent_thread": "') as sock:
        status, _headers, body = raw.read_response(sock)  # the rest is never sent
    assert status == 401 and b"Invalid API token" in body
    assert stored_messages(backend, thread["id"]) == []


def test_a_wrong_query_token_with_a_malformed_upload_is_401(served):
    backend, c = served
    broken = raw.form_part("format", "mp3") + b"--" + raw.BOUNDARY.encode() + b"\r\nno headers"
    for params, status in [({"token": "wrong"}, 401), ({"token": TOKEN}, 400)]:
        r = c.http.post(
            f"{c.url}/api/v1/upload/audio",
            params=params,
            data=broken,
            headers={"Content-Type": raw.MULTIPART},
        )
        assert r.status_code == status, r.text
    r = c.http.post(
        f"{c.url}/api/v1/upload/audio",
        data=broken,
        headers={"Content-Type": raw.MULTIPART, "Authorization": "Bearer wrong-token"},
    )
    assert r.status_code == 401
    assert backend.store.unattached_uploads("9999") == []


@pytest.mark.parametrize(
    ("method", "path"), [*JSON_ROUTES, ("POST", "/api/v1/threads/{thread}/members")]
)
def test_no_token_with_a_malformed_or_too_deep_body_is_401(served, method, path):
    backend, c = served
    thread = c.create_thread()
    url = c.url + path.format(thread=thread["id"])
    json_type = {"Content-Type": "application/json"}
    too_deep = '{"name": ' + "[" * 40 + "]" * 40 + "}"
    unparsable = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    for body in (MALFORMED, too_deep, unparsable):
        r = c.http.request(method, url, data=body, headers=json_type)
        assert r.status_code == 401, (body[:30], r.text)
        assert detail(r).startswith("Missing API token")
    assert stored_messages(backend, thread["id"]) == []


def test_no_token_with_a_malformed_upload_is_401(served):
    backend, c = served
    broken = raw.form_part("format", "mp3") + b"--" + raw.BOUNDARY.encode() + b"\r\nno headers"
    for path in ("/api/v1/upload/audio", "/api/v1/samples"):
        r = c.http.post(f"{c.url}{path}", data=broken, headers={"Content-Type": raw.MULTIPART})
        assert r.status_code == 401, r.text
    assert backend.store.unattached_uploads("9999") == []
