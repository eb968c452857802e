"""Races: a delete against attaches in one process; two server processes on one SQLite
data folder (attaches and same-id creates)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import TOKEN
from tests.server.helpers import Client, server_env, server_process, workers_server
from tests.server.test_bad_input import stored_objects


def _race(url: str, message_id: str, renders: list[dict]) -> dict[str, int]:
    """Attach every render and delete the message, all at once; the answers by render
    id, and the delete's under "delete"."""
    start = threading.Barrier(len(renders) + 1)
    answers: dict[str, int] = {}

    def attach(render: dict) -> None:
        client = Client(url)
        start.wait()
        answers[render["id"]] = client.attach(message_id, render).status_code

    def delete() -> None:
        client = Client(url)
        start.wait()
        path = f"{url}/api/v1/messages/{message_id}"
        answers["delete"] = client.http.delete(path, params={"token": TOKEN}).status_code

    workers = [threading.Thread(target=attach, args=(r,)) for r in renders]
    workers.append(threading.Thread(target=delete))
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return answers


def test_delete_racing_attaches_leaves_no_acknowledged_render(live_backend):
    backend, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    acknowledged: list[str] = []
    for _round in range(8):
        message = c.create_message(thread["id"]).json()
        renders = [c.upload().json() for _ in range(5)]
        answers = _race(url, message["id"], renders)
        assert answers.pop("delete") == 200
        assert set(answers.values()) <= {200, 404}, answers
        acknowledged += [rid for rid, status in answers.items() if status == 200]
        gone = c.http.get(f"{url}/api/v1/messages/{message['id']}", params={"token": TOKEN})
        assert gone.status_code == 404
    left = "\n".join(stored_objects(backend))
    assert [rid for rid in acknowledged if rid in left] == []


# -- several processes on one SQLite data folder ---------------------------------------


def _at_once(calls: list) -> list:
    """Run the calls on their own threads, released together, so they overlap."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _hammer(urls: list[str]) -> None:
    """Overlapping attaches and same-id creates through ``urls`` (alternating): every
    acknowledged attach is kept, and each id is created once."""
    clients = [Client(urls[i % len(urls)]) for i in range(16)]
    thread = clients[0].create_thread()
    with ThreadPoolExecutor(8) as pool:
        renders = list(pool.map(lambda i: clients[i % 16].upload().json(), range(320)))

    acknowledged: dict[str, set[str]] = {}
    for batch in range(20):  # 16 attaches at once to one message, 8 per process
        message_id = clients[0].create_message(thread["id"]).json()["id"]
        chunk = renders[batch * 16 : (batch + 1) * 16]
        statuses = _at_once(
            [
                lambda c=c, r=r, m=message_id: c.attach(m, r).status_code
                for c, r in zip(clients, chunk, strict=True)
            ]
        )
        assert set(statuses) == {200}, statuses
        acknowledged[message_id] = {r["id"] for r in chunk}
    for message_id, expected in acknowledged.items():
        got = clients[0].http.get(
            f"{urls[0]}/api/v1/messages/{message_id}", params={"token": TOKEN}
        )
        assert {r["id"] for r in got.json()["renders"]} == expected

    for n in range(20):  # the same id created by 8 clients at once, 4 per process
        statuses = _at_once(
            [
                lambda c=c, i=f"same-{n}": c.create_message(thread["id"], id=i).status_code
                for c in clients[:8]
            ]
        )
        assert sorted(statuses) == [200] * 7 + [201], statuses
    page = (
        clients[0]
        .http.get(
            f"{urls[0]}/api/v1/threads/{thread['id']}/messages",
            params={"token": TOKEN, "limit": 1000},
        )
        .json()
    )
    ids = [m["id"] for m in page["messages"] if m["id"].startswith("same-")]
    assert sorted(ids) == sorted(f"same-{i}" for i in range(20))


def test_two_processes_on_one_data_folder_lose_nothing(tmp_path):
    data = tmp_path / "data"
    # Eight uploads at once from one address: above the default per-address cap.
    env = server_env(MAX_UPLOADS_PER_CLIENT="16")
    with server_process(data, env=env) as a, server_process(data, env=env) as b:
        _hammer([a.url, b.url])


def test_workers_on_sqlite_lose_nothing(tmp_path):
    # Eight uploads at once from one address: above the default per-address cap.
    env = server_env(MAX_UPLOADS_PER_CLIENT="16")
    with workers_server(tmp_path / "data", env) as url:
        _hammer([url])
