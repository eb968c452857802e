"""A client-chosen id tells an outsider no more than that it is in use: an id held by a
message in a private thread the caller cannot see is answered exactly as a deleted
message's id is, a thread the caller cannot see is named by nothing but its id, and a
private thread's id is always the server's random one."""

from __future__ import annotations

from sequencer_server.users import add_user
from tests.conftest import TOKEN
from tests.server.helpers import Client


def _people(backend, url: str) -> tuple[Client, Client]:
    return (
        Client(url, add_user(backend.store, "bob")),
        Client(url, add_user(backend.store, "eve")),
    )


def _private_thread(bob: Client) -> dict:
    r = bob.http.post(
        f"{bob.url}/api/v1/threads",
        json={"token": bob.token, "name": "Secret plans", "private": True, "users": []},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_private_messages_id_is_answered_as_a_deleted_ones(live_backend):
    backend, url = live_backend
    bob, eve = _people(backend, url)
    secret = _private_thread(bob)
    hidden = bob.create_message(secret["id"], id="plan-a", user_id="bob", text="shh")
    assert hidden.status_code == 201, hidden.text
    public = eve.create_thread("Open jam")
    assert eve.create_message(public["id"], id="gone-1", user_id="eve").status_code == 201
    deleted = eve.http.delete(f"{url}/api/v1/messages/gone-1", params={"token": eve.token})
    assert deleted.status_code == 200

    answers = []
    for used in ("plan-a", "gone-1"):
        r = eve.create_message(public["id"], id=used, user_id="eve", text="hi")
        assert r.status_code == 409, r.text
        answers.append(r.json()["detail"].replace(repr(used), "ID"))
    assert answers[0] == answers[1]
    assert "another thread" not in answers[0] and "private" not in answers[0]
    # a member sees where it is
    r = bob.create_message(bob.create_thread("Mine")["id"], id="plan-a", user_id="bob")
    assert r.status_code == 409 and "exists in another thread" in r.json()["detail"]
    assert backend.store.get_message("plan-a")["text"] == "shh"


def test_a_thread_nobody_may_see_is_named_by_its_id_only(live_backend):
    backend, url = live_backend
    _bob, eve = _people(backend, url)
    admin = Client(url, TOKEN)
    old = admin.http.post(  # a private thread of an older server, under a chosen id
        f"{url}/api/v1/threads", json={"token": TOKEN, "name": "Old secret", "users": ["bob"]}
    ).json()
    backend.store.update_thread(old["id"], {"private": True})
    r = eve.http.post(
        f"{url}/api/v1/threads", json={"token": eve.token, "name": "Mine", "id": old["id"]}
    )
    assert r.status_code == 409
    assert "Old secret" not in r.text and "bob" not in r.text


def test_a_private_thread_takes_no_client_chosen_id(live_backend):
    backend, url = live_backend
    bob, _eve = _people(backend, url)
    r = bob.http.post(
        f"{url}/api/v1/threads",
        json={"token": bob.token, "name": "Secret", "private": True, "id": "secret-plans"},
    )
    assert r.status_code == 422 and "'id'" in r.json()["detail"]
    assert backend.store.get_thread("secret-plans") is None
    assert len(_private_thread(bob)["id"]) == 32


def test_a_refused_reuse_of_an_id_records_no_sample_reference(live_backend):
    from tests.server.sample_files import audio_bytes
    from tests.server.test_samples import snapshot_with, upload_sample

    backend, url = live_backend
    bob, _eve = _people(backend, url)
    thread = bob.create_thread("Jam")
    assert bob.create_message(thread["id"], id="m1", user_id="bob").status_code == 201
    sha = upload_sample(bob, audio_bytes()).json()["sha256"]
    r = bob.create_message(thread["id"], id="m1", user_id="bob", snapshot=snapshot_with(sha))
    assert r.status_code == 409 and "different message" in r.json()["detail"]
    assert backend.store.sample_refs(sha) == []
