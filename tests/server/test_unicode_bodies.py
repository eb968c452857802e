"""A JSON string is Unicode text: a lone UTF-16 surrogate (``"\\ud800"`` without its pair,
or the bytes that decode to one) is no character and no UTF-8 can hold it. In a token it
is a wrong token (401); anywhere else in a body — the open ``snapshot`` and
``snapshot_metadata`` maps included, keys too — it is 422 after the token, not a 500 with
a traceback, and nothing is stored."""

from __future__ import annotations

import pytest

from tests.conftest import TOKEN
from tests.server.limit_checks import detail, stored_messages

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("token", [b'"\\ud800"', b'"ok\\udfff"', b'"\xed\xa0\x80"'])
def test_a_token_with_a_lone_surrogate_is_a_wrong_token(served, token):
    _backend, c = served
    body = b'{"name": "Jam", "token": ' + token + b"}"
    r = c.http.post(f"{c.url}/api/v1/threads", data=body, headers=JSON)
    assert r.status_code == 401 and detail(r) == "Invalid API token"


@pytest.mark.parametrize(
    "member",
    [
        b'"snapshot": {"notes": "a\\ud800b"}',
        b'"snapshot": {"\\udc00": 1}',
        b'"snapshot": {"format": "other", "deep": [[{"x": ["\\ud83d"]}]]}',
        b'"snapshot": {}, "snapshot_metadata": {"title": "\\ude00"}',
        b'"snapshot": {"raw": "\xed\xa0\x80"}',
    ],
)
def test_a_lone_surrogate_anywhere_in_a_body_is_422_after_the_token(served, member):
    backend, c = served
    thread = c.create_thread()
    head = b'{"parent_thread": "' + thread["id"].encode() + b'", "user_id": "alice", '
    for token, status in [(None, 401), (TOKEN, 422)]:
        params = {"token": token} if token else {}
        r = c.http.post(
            f"{c.url}/api/v1/messages", params=params, data=head + member + b"}", headers=JSON
        )
        assert r.status_code == status, r.text
    assert "surrogate" in detail(r)
    assert stored_messages(backend, thread["id"]) == []


def test_a_surrogate_pair_is_one_character_and_welcome(served):
    _backend, c = served
    thread = c.create_thread()
    r = c.create_message(thread["id"], snapshot={"title": "\U0001f600"})
    assert r.status_code == 201 and r.json()["snapshot"]["title"] == "\U0001f600"
