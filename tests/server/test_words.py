"""Words: a message may carry ``text`` (≤ 4,000 characters) and ``reply_to`` (a message of
the same thread); a text-only message needs no snapshot. Bad input is a 422 that stores
nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import requests
from referencing import Registry, Resource

from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client

SCHEMAS = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "0.0.1" / "thread"


@pytest.fixture(params=["sqlite-local", "mongo-s3"])
def client(request, tmp_path) -> Iterator[Client]:
    endpoint = request.getfixturevalue("moto_endpoint") if "s3" in request.param else None
    with ThreadedServer(make_backend(request.param, tmp_path, endpoint).app()) as server:
        yield Client(server.url)


def _get(c: Client, message_id: str) -> requests.Response:
    return c.http.get(f"{c.url}/api/v1/messages/{message_id}", params={"token": TOKEN})


def _validate_message(doc: dict) -> None:
    schemas = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(s)) for name, s in schemas.items()
    )
    jsonschema.Draft202012Validator(schemas["message.json"], registry=registry).validate(doc)


def test_text_only_message_and_a_reply(client):
    thread = client.create_thread()
    r = client.create_message(thread["id"], id="q", snapshot=None, text="Shall we go faster?")
    assert r.status_code == 201, r.text
    got = _get(client, "q").json()
    assert got["text"] == "Shall we go faster?" and "snapshot" not in got
    assert "reply_to" not in got
    _validate_message(got)
    answer = client.create_message(thread["id"], id="a", text="Yes, 140", reply_to="q")
    assert answer.status_code == 201, answer.text
    got = _get(client, "a").json()
    assert (got["text"], got["reply_to"], got["snapshot"]["bpm"]) == ("Yes, 140", "q", 120)
    _validate_message(got)
    listed = client.changes(thread["id"])["messages"]
    assert [m.get("text") for m in listed] == ["Shall we go faster?", "Yes, 140"]


def test_messages_without_words_keep_the_seed_shape(client):
    thread = client.create_thread()
    message = client.create_message(thread["id"], text="").json()
    assert "text" not in message and "reply_to" not in message and "snapshot" in message


@pytest.mark.parametrize(
    "extra, needle",
    [
        ({"text": "x" * 4001}, "text"),
        ({"snapshot": None}, "snapshot"),
        ({"snapshot": None, "text": ""}, "snapshot"),
        ({"reply_to": "nothing-here"}, "reply_to"),
        ({"reply_to": "bad id!"}, "reply_to"),
    ],
)
def test_bad_words_are_422_and_store_nothing(client, extra, needle):
    thread = client.create_thread()
    r = client.create_message(thread["id"], id="bad", **extra)
    assert r.status_code == 422, r.text
    assert needle in r.json()["detail"]
    assert _get(client, "bad").status_code == 404


def test_overlong_words_without_a_snapshot_name_only_the_text(client):
    """The snapshot may be left out because there are words; words that are too long are
    the only problem, not a missing snapshot."""
    thread = client.create_thread()
    r = client.create_message(thread["id"], id="bad", snapshot=None, text="x" * 4001)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("text: ") and "snapshot" not in r.json()["detail"]
    assert _get(client, "bad").status_code == 404


def test_a_reply_into_another_thread_or_to_itself_is_422(client):
    one, two = client.create_thread("One"), client.create_thread("Two")
    assert client.create_message(one["id"], id="m1", text="hi").status_code == 201
    r = client.create_message(two["id"], id="m2", text="re", reply_to="m1")
    assert r.status_code == 422 and "reply_to" in r.json()["detail"]
    assert _get(client, "m2").status_code == 404
    r = client.create_message(one["id"], id="m3", text="me", reply_to="m3")
    assert r.status_code == 422


def test_text_at_the_limit_is_kept_whole(client):
    thread = client.create_thread()
    text = "é" * 3999 + "\n"
    assert client.create_message(thread["id"], id="long", text=text).status_code == 201
    assert _get(client, "long").json()["text"] == text


def test_replay_compares_text_and_reply_to(client):
    thread = client.create_thread()
    client.create_message(thread["id"], id="root", text="root")
    first = client.create_message(thread["id"], id="r", text="one", reply_to="root")
    assert first.status_code == 201
    assert (
        client.create_message(thread["id"], id="r", text="one", reply_to="root").status_code == 200
    )
    assert (
        client.create_message(thread["id"], id="r", text="two", reply_to="root").status_code == 409
    )
    assert client.create_message(thread["id"], id="r", text="one").status_code == 409
    assert _get(client, "r").json()["text"] == "one"
