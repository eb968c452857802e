"""A deleted message's id is never given to another message: replies point at it, and a
poller that heard of its deletion must not meet the same id again with someone else's
content. Also after the deletion's tombstone was pruned."""

from __future__ import annotations

import time

from sequencer_server.users import add_user
from tests.server.helpers import Client


def _users(backend, url: str) -> tuple[Client, Client]:
    return (
        Client(url, add_user(backend.store, "bob")),
        Client(url, add_user(backend.store, "cleo")),
    )


def test_a_deleted_messages_id_cannot_be_taken_by_someone_else(live_backend):
    backend, url = live_backend
    bob, cleo = _users(backend, url)
    thread = bob.create_thread("Jam")
    assert bob.create_message(thread["id"], id="reuse1", user_id="bob").status_code == 201
    reply = bob.create_message(thread["id"], user_id="bob", reply_to="reuse1", text="nice")
    assert reply.status_code == 201
    seen = bob.changes(thread["id"])
    deleted = bob.http.delete(f"{url}/api/v1/messages/reuse1", params={"token": bob.token})
    assert deleted.status_code == 200

    taken = cleo.create_message(thread["id"], id="reuse1", user_id="cleo", text="mine now")
    assert taken.status_code == 409, taken.text
    assert "deleted" in taken.json()["detail"]
    # the author cannot bring it back either, not even with the same body
    assert bob.create_message(thread["id"], id="reuse1", user_id="bob").status_code == 409

    later = bob.changes(thread["id"], since=seen["cursor"])
    assert later["deleted"] == ["reuse1"]
    assert "reuse1" not in [m["id"] for m in later["messages"]]
    everything = bob.changes(thread["id"])
    assert "reuse1" not in [m["id"] for m in everything["messages"]]
    gone = bob.http.get(f"{url}/api/v1/messages/reuse1", params={"token": bob.token})
    assert gone.status_code == 404


def test_the_id_stays_taken_after_its_tombstone_is_pruned(live_backend):
    backend, url = live_backend
    bob, cleo = _users(backend, url)
    thread = bob.create_thread("Jam")
    assert bob.create_message(thread["id"], id="old1", user_id="bob").status_code == 201
    assert bob.http.delete(f"{url}/api/v1/messages/old1", params={"token": bob.token}).ok
    assert backend.store.prune_tombstones(int(time.time() * 1000) + 1000) == 1
    assert bob.changes(thread["id"])["deleted"] == []  # the deletion itself is forgotten

    taken = cleo.create_message(thread["id"], id="old1", user_id="cleo", text="mine now")
    assert taken.status_code == 409, taken.text
    # other ids are unaffected
    assert cleo.create_message(thread["id"], id="new1", user_id="cleo").status_code == 201
