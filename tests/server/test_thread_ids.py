"""A client-chosen thread id (a thread made offline, created when the server is back):
idempotent like a client-chosen message id, on every store × storage pair."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import TOKEN
from tests.server.helpers import Client


def _create(c: Client, **body):
    return c.http.post(f"{c.url}/api/v1/threads", json={"token": TOKEN, **body})


def test_client_chosen_thread_id_is_kept_and_a_retry_returns_it(live_backend):
    _, url = live_backend
    c = Client(url)
    first = _create(c, name="Offline jam", users=["ann"], id="offline-1")
    assert first.status_code == 201
    assert first.json()["id"] == "offline-1" and first.json()["users"] == ["ann"]
    again = _create(c, name="Offline jam", users=["ann"], id="offline-1")
    assert again.status_code == 200 and again.json() == first.json()
    listed = c.http.get(f"{url}/api/v1/threads", params={"token": TOKEN}).json()
    assert [t["id"] for t in listed] == ["offline-1"]
    # and messages go into it like any other thread
    assert c.create_message("offline-1", id="m-1").status_code == 201


def test_racing_retries_create_one_thread(live_backend):
    _, url = live_backend
    c = Client(url)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _create(Client(url), name="Race", id="race-1"), range(8)))
    assert sorted(r.status_code for r in answers) == [200] * 7 + [201]
    assert len({r.json()["created_at"] for r in answers}) == 1
    listed = c.http.get(f"{url}/api/v1/threads", params={"token": TOKEN}).json()
    assert [t["id"] for t in listed] == ["race-1"]


def test_thread_ids_are_checked_and_optional(live_backend):
    _, url = live_backend
    c = Client(url)
    bad = _create(c, name="Bad", id="../etc")
    assert bad.status_code == 422
    plain = _create(c, name="Server picks")
    assert plain.status_code == 201 and len(plain.json()["id"]) == 32
