"""``GET /api/v1/threads`` a page at a time: still the seed's array, at most 1,000 threads
per answer, the next page named in ``X-Next-Cursor`` and ``Link``; the desktop app follows
them, so a user in 5,000 threads sees every one."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from desktop_app.services.api import ApiClient
from sequencer_server.users import add_user
from tests.conftest import TOKEN


def _many_threads(backend, count: int, **fields) -> list[str]:
    """``count`` threads made in the store itself (through HTTP they would take minutes),
    the same second apart, so their ids decide their order."""
    ids = []
    for n in range(count):
        thread_id = f"t{n:05d}"
        now = "2026-12-02T00:00:00Z"
        doc = {"id": thread_id, "name": f"Jam {n}", "users": [], "created_at": now,
               "updated_at": now, "private": False, **fields}  # fmt: skip
        backend.store.create_thread(doc)
        ids.append(thread_id)
    return ids


def _all_pages(url: str, params: dict) -> tuple[list[str], int]:
    got: list[str] = []
    pages = 0
    while True:
        r = requests.get(f"{url}/api/v1/threads", params=params, timeout=30)
        assert r.status_code == 200, r.text
        pages += 1
        got += [t["id"] for t in r.json()]
        cursor = r.headers.get("X-Next-Cursor")
        if cursor is None:
            assert "Link" not in r.headers
            return got, pages
        link, rel = r.headers["Link"].split(">; ")
        assert rel == 'rel="next"' and parse_qs(urlsplit(link[1:]).query)["cursor"] == [cursor]
        params = {**params, "cursor": cursor}


def test_the_list_is_an_array_of_at_most_1000_and_the_pages_hold_every_thread(served):
    backend, c = served
    ids = _many_threads(backend, 2500)
    first = requests.get(f"{c.url}/api/v1/threads", params={"token": TOKEN}, timeout=30)
    assert first.status_code == 200 and isinstance(first.json(), list)
    assert [t["id"] for t in first.json()] == ids[:1000]
    assert _all_pages(c.url, {"token": TOKEN}) == (ids, 3)
    assert _all_pages(c.url, {"token": TOKEN, "limit": 450}) == (ids, 6)


def test_a_thread_made_while_paging_comes_last_and_nothing_repeats(served):
    backend, c = served
    ids = _many_threads(backend, 10)
    r = requests.get(f"{c.url}/api/v1/threads", params={"token": TOKEN, "limit": 4}, timeout=10)
    cursor = r.headers["X-Next-Cursor"]
    made = c.create_thread("Late")  # created now: after every older one
    c.http.patch(f"{c.url}/api/v1/threads/{ids[1]}", json={"token": TOKEN, "name": "Renamed"})
    rest, _pages = _all_pages(c.url, {"token": TOKEN, "limit": 4, "cursor": cursor})
    assert [t["id"] for t in r.json()] + rest == [*ids, made["id"]]


def test_pages_count_only_the_threads_the_caller_sees(served):
    backend, c = served
    bob = add_user(backend.store, "bob")
    hidden = _many_threads(backend, 30, private=True, users=["cleo"])
    c.create_thread("Open")
    got, pages = _all_pages(c.url, {"token": bob, "limit": 5})
    assert len(got) == 1 and pages == 1 and not set(got) & set(hidden)
    got, pages = _all_pages(c.url, {"token": TOKEN, "limit": 5})
    assert len(got) == 31 and pages == 7


def test_every_cursor_is_a_place_in_the_order_and_the_token_comes_first(served):
    backend, c = served
    ids = _many_threads(backend, 5)
    third = f"2026-12-02T00:00:00Z {ids[2]}"  # the cursor a page ending there would give
    after = requests.get(f"{c.url}/api/v1/threads", params={"token": TOKEN, "cursor": third})
    assert [t["id"] for t in after.json()] == ids[3:]
    for cursor, expected in [("", ids), ("~", []), ("2026-12-02T00:00:00Z t00001x", ids[2:])]:
        r = requests.get(f"{c.url}/api/v1/threads", params={"token": TOKEN, "cursor": cursor})
        assert [t["id"] for t in r.json()] == expected
    r = requests.get(f"{c.url}/api/v1/threads", params={"cursor": "x" * 300})
    assert r.status_code == 401
    for params in [{"cursor": "x" * 300}, {"limit": 1001}, {"limit": 0}]:
        r = requests.get(f"{c.url}/api/v1/threads", params={"token": TOKEN, **params})
        assert r.status_code == 422, r.text


def test_the_desktop_app_lists_all_of_5000_threads(served):
    backend, c = served
    ids = _many_threads(backend, 5000)
    assert [t.id for t in ApiClient(c.url, TOKEN).list_threads()] == ids
