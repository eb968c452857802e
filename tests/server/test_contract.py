"""The v1 contract over real HTTP, on every {SQLite, MongoDB} × {local folder, S3} pair."""

from __future__ import annotations

import time

import requests

from tests.conftest import TOKEN
from tests.server.helpers import Client, mp3_bytes


def test_seed_flow_create_upload_attach_read(live_backend):
    backend, url = live_backend
    c = Client(url)
    thread = c.create_thread("Friday jam")
    r = c.create_message(thread["id"])
    assert r.status_code == 201
    message = r.json()
    assert message["renders"] == []
    assert set(message) >= {
        "id",
        "created_at",
        "timestamp",
        "user_id",
        "parent_thread",
        "snapshot",
        "snapshot_metadata",
        "renders",
    }

    up = c.upload(bitrate=320, duration=45.5)
    assert up.status_code == 200, up.text
    render = up.json()
    assert set(render) >= {"id", "url", "format", "bitrate", "duration", "size_bytes", "created_at"}
    assert render["format"] == "mp3" and render["bitrate"] == 320 and render["duration"] == 45.5
    assert render["size_bytes"] == len(mp3_bytes())
    assert render["created_at"].endswith("Z")
    assert render["url"].endswith(f"test/renders/{render['id']}.mp3")
    if backend.storage.name == "s3":
        bucket = backend.settings.s3.bucket
        assert render["url"].startswith(f"http://{bucket}.127.0.0.1:")
    else:
        assert render["url"] == f"{url}/media/test/renders/{render['id']}.mp3"

    att = c.attach(message["id"], render)
    assert att.status_code == 200
    assert att.json() == {"status": "render_attached", "message_id": message["id"]}

    got = c.http.get(f"{url}/api/v1/messages/{message['id']}", params={"token": TOKEN}).json()
    assert [r["id"] for r in got["renders"]] == [render["id"]]
    assert got["renders"][0]["size_bytes"] == render["size_bytes"]


def test_uploaded_file_is_stored_under_the_seed_key(live_backend):
    backend, url = live_backend
    render = Client(url).upload().json()
    key = f"test/renders/{render['id']}.mp3"
    if backend.storage.name == "s3":
        obj = backend.storage.client.get_object(Bucket=backend.settings.s3.bucket, Key=key)
        assert obj["Body"].read() == mp3_bytes()
        assert obj["ContentType"] == "audio/mpeg"
    else:
        assert backend.storage.local_path(key).read_bytes() == mp3_bytes()
        assert requests.get(render["url"]).content == mp3_bytes()


def test_attaching_the_same_render_twice_attaches_it_once(live_backend):
    _, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    message = c.create_message(thread["id"]).json()
    render = c.upload().json()
    for _ in range(3):
        assert c.attach(message["id"], render).status_code == 200
    page = c.changes(thread["id"])
    assert len(page["messages"]) == 1
    assert [r["id"] for r in page["messages"][0]["renders"]] == [render["id"]]


def test_client_chosen_id_makes_create_idempotent(live_backend):
    _, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    first = c.create_message(thread["id"], id="msg-123")
    again = c.create_message(thread["id"], id="msg-123")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert [m["id"] for m in c.changes(thread["id"])["messages"]] == ["msg-123"]


def test_create_with_a_render_attaches_it(live_backend):
    _, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    message, render = c.message_created_with_render(thread["id"])
    assert [r["id"] for r in message["renders"]] == [render["id"]]


def test_delete_removes_message_and_files(live_backend):
    backend, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    message = c.create_message(thread["id"]).json()
    renders = [c.upload().json() for _ in range(2)]
    for render in renders:
        c.attach(message["id"], render)
    r = c.http.delete(f"{url}/api/v1/messages/{message['id']}", params={"token": TOKEN})
    assert r.status_code == 200
    assert r.json() == {
        "status": "deleted",
        "id": message["id"],
        "renders_deleted": 2,
        "storage_failures": 0,
    }
    for render in renders:
        key = f"test/renders/{render['id']}.mp3"
        if backend.storage.name == "s3":
            listing = backend.storage.client.list_objects_v2(
                Bucket=backend.settings.s3.bucket, Prefix=key
            )
            assert listing.get("KeyCount", 0) == 0
        else:
            assert not backend.storage.local_path(key).exists()
    gone = c.http.get(f"{url}/api/v1/messages/{message['id']}", params={"token": TOKEN})
    assert gone.status_code == 404


def test_changes_since_cursor(live_backend):
    _, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    other = c.create_thread("other")
    a = c.create_message(thread["id"]).json()
    c.create_message(other["id"])
    page = c.changes(thread["id"])
    assert [m["id"] for m in page["messages"]] == [a["id"]]
    cursor = page["cursor"]

    quiet = c.changes(thread["id"], cursor)
    b = c.create_message(thread["id"]).json()
    render = c.upload().json()
    c.attach(a["id"], render)
    c.http.delete(f"{url}/api/v1/messages/{b['id']}", params={"token": TOKEN})
    later = c.changes(thread["id"], quiet["cursor"])
    ids = [m["id"] for m in later["messages"]]
    assert a["id"] in ids  # changed: render attached
    assert later["deleted"] == [b["id"]]
    assert b["id"] not in ids


def test_threads_create_list_get_rename(live_backend):
    _, url = live_backend
    c = Client(url)
    t = c.create_thread("First")
    assert set(t) == {"id", "name", "users", "created_at", "updated_at"}
    listed = c.http.get(f"{url}/api/v1/threads", params={"token": TOKEN}).json()
    assert [x["id"] for x in listed] == [t["id"]]
    r = c.http.patch(f"{url}/api/v1/threads/{t['id']}", json={"token": TOKEN, "name": "Renamed"})
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    got = c.http.get(
        f"{url}/api/v1/threads/{t['id']}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert got.json()["name"] == "Renamed"


def test_changes_page_through_a_big_thread(live_backend):
    _, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    ids = [c.create_message(thread["id"]).json()["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    deadline = time.monotonic() + 10
    # Like a client: follow ``more`` at once, otherwise poll again a little later (on
    # MongoDB the cursor waits for changes to settle before it moves past them).
    while time.monotonic() < deadline and len(seen) < len(ids):
        params = {"token": TOKEN, "limit": 2}
        if cursor:
            params["since"] = cursor
        page = c.http.get(f"{url}/api/v1/threads/{thread['id']}/messages", params=params).json()
        seen += [m["id"] for m in page["messages"] if m["id"] not in seen]
        cursor = page["cursor"]
        if not page["more"]:
            time.sleep(0.2)
    assert seen == ids


def test_upload_retry_with_idempotency_key_stores_once(live_backend):
    _backend, url = live_backend
    c = Client(url)
    headers = {"Idempotency-Key": "outbox-msg-1"}
    first = c.upload(headers=headers).json()
    again = c.upload(headers=headers).json()
    assert again == first
    assert "idempotency_key" not in first
    other = c.upload().json()
    assert other["id"] != first["id"]
    different = c.upload(mp3_bytes() + b"\0", headers=headers)
    assert different.status_code == 409
