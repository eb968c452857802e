"""Per-user tokens: the token decides who you are, authors and admins decide what goes,
and the shared API_TOKEN keeps the seed's clients working as an admin service token."""

from __future__ import annotations

import hashlib

import requests

from sequencer_server.users import add_user, issue_token
from tests.conftest import TOKEN
from tests.server.helpers import Client


def _users(backend) -> dict[str, str]:
    return {
        "alice": add_user(backend.store, "alice"),
        "bob": add_user(backend.store, "bob"),
        "root": add_user(backend.store, "root", admin=True),
    }


def _count(service: Client, thread_id: str) -> int:
    return len(service.changes(thread_id)["messages"])


def test_me_says_who_the_token_is(live_backend):
    backend, url = live_backend
    tokens = _users(backend)
    answers = {
        name: requests.get(f"{url}/api/v1/me", params={"token": token}).json()
        for name, token in [*tokens.items(), ("service", TOKEN)]
    }
    assert answers == {
        "alice": {"name": "alice", "admin": False, "service": False},
        "bob": {"name": "bob", "admin": False, "service": False},
        "root": {"name": "root", "admin": True, "service": False},
        "service": {"name": "service", "admin": True, "service": True},
    }
    assert requests.get(f"{url}/api/v1/me", params={"token": "nope"}).status_code == 401


def test_the_token_decides_user_id_and_name(live_backend):
    backend, url = live_backend
    tokens = _users(backend)
    alice = Client(url, tokens["alice"])
    thread = alice.create_thread()
    own = alice.create_message(thread["id"], user_id="alice")
    assert own.status_code == 201, own.text
    assert own.json()["user_id"] == "alice" and own.json()["user_name"] == "alice"

    forged = alice.create_message(thread["id"], user_id="bob", id="forged")
    assert forged.status_code == 403 and "alice" in forged.json()["detail"]
    service = Client(url)
    assert (
        service.http.get(f"{url}/api/v1/messages/forged", params={"token": TOKEN}).status_code
        == 404
    )
    assert _count(service, thread["id"]) == 1
    # the seed's shared token still posts as whoever its client names
    seed = service.create_message(thread["id"], user_id="carol")
    assert seed.status_code == 201 and seed.json()["user_name"] == "carol"


def test_wrong_or_revoked_token_is_401_and_stores_nothing(live_backend):
    backend, url = live_backend
    tokens = _users(backend)
    service = Client(url)
    thread = service.create_thread()
    second = issue_token(backend.store, "alice")
    assert Client(url, second).create_message(thread["id"]).status_code == 201
    assert backend.store.revoke_user("alice")
    for token in (tokens["alice"], second, "not-a-token"):
        c = Client(url, token)
        assert c.create_message(thread["id"], id="after-revoke").status_code == 401
        assert c.upload().status_code == 401
        r = c.http.get(f"{url}/api/v1/threads", params={"token": token})
        assert r.status_code == 401
    assert _count(service, thread["id"]) == 1
    # a new token brings the user back; the revoked ones stay dead
    fresh = issue_token(backend.store, "alice")
    assert Client(url, fresh).create_message(thread["id"]).status_code == 201
    assert Client(url, second).create_message(thread["id"]).status_code == 401


def test_older_token_keeps_working_after_a_new_one(live_backend):
    backend, url = live_backend
    first = add_user(backend.store, "dana")
    second = issue_token(backend.store, "dana")
    for token in (first, second):
        r = requests.get(f"{url}/api/v1/me", params={"token": token})
        assert r.status_code == 200 and r.json()["name"] == "dana"


def test_only_the_author_or_an_admin_deletes(live_backend):
    backend, url = live_backend
    tokens = _users(backend)
    alice, bob, root = (Client(url, tokens[n]) for n in ("alice", "bob", "root"))
    thread = alice.create_thread()
    ids = [alice.create_message(thread["id"], user_id="alice").json()["id"] for _ in range(3)]

    refused = bob.http.delete(f"{url}/api/v1/messages/{ids[0]}", params={"token": bob.token})
    assert refused.status_code == 403
    assert _count(Client(url), thread["id"]) == 3
    for client, message_id in ((alice, ids[0]), (root, ids[1]), (Client(url), ids[2])):
        r = client.http.delete(
            f"{url}/api/v1/messages/{message_id}", params={"token": client.token}
        )
        assert r.status_code == 200, r.text
    assert _count(Client(url), thread["id"]) == 0


def test_only_the_author_attaches_and_only_the_uploader_render(live_backend):
    backend, url = live_backend
    tokens = _users(backend)
    alice, bob, root = (Client(url, tokens[n]) for n in ("alice", "bob", "root"))
    thread = alice.create_thread()
    message = alice.create_message(thread["id"], user_id="alice").json()

    bobs_render = bob.upload().json()
    assert bob.attach(message["id"], bobs_render).status_code == 403  # not bob's message
    assert alice.attach(message["id"], bobs_render).status_code == 403  # not alice's file
    created = alice.create_message(thread["id"], user_id="alice", renders=[bobs_render])
    assert created.status_code == 403
    roots_render = root.upload().json()
    assert root.attach(message["id"], roots_render).status_code == 200  # an admin may
    alices_render = alice.upload().json()
    assert alice.attach(message["id"], alices_render).status_code == 200

    got = Client(url).http.get(f"{url}/api/v1/messages/{message['id']}", params={"token": TOKEN})
    assert [r["id"] for r in got.json()["renders"]] == [roots_render["id"], alices_render["id"]]
    assert all("uploader" not in r for r in got.json()["renders"])
    # bob's render is still his to use
    mine = bob.create_message(thread["id"], user_id="bob", renders=[bobs_render])
    assert mine.status_code == 201, mine.text


def test_a_database_from_before_users_gets_their_tables(tmp_path):
    from sequencer_common.sqlite_db import Database
    from sequencer_server.store import sqlite as sqlite_store

    path = tmp_path / "sequencer.sqlite3"
    old = Database(path)
    old.ensure_schema(sqlite_store.SCHEMA, 1, upgrades={1: sqlite_store._add_idempotency_keys})
    old.close()
    store = sqlite_store.SQLiteStore(path)
    try:
        token = add_user(store, "early")
        assert store.get_user("early")["admin"] is False
        assert store.user_for_token(hashlib.sha256(token.encode()).hexdigest())["name"] == "early"
    finally:
        store.close()


def test_users_lists_names_only_to_any_token_and_not_the_revoked(live_backend):
    backend, url = live_backend
    tokens = _users(backend)
    add_user(backend.store, "gone")
    backend.store.revoke_user("gone")
    for token in (tokens["bob"], TOKEN):
        answer = requests.get(f"{url}/api/v1/users", params={"token": token})
        assert answer.status_code == 200 and answer.json() == ["alice", "bob", "root"]
    assert requests.get(f"{url}/api/v1/users", params={"token": "nope"}).status_code == 401
