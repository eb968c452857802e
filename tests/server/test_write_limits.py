"""What one signed-in user may write: a message's snapshot and summary have sizes no real
pattern reaches, a page of messages stops at a size (``more`` brings the rest, and the
desktop client follows it), and messages and threads are limited per minute per user."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from desktop_app.domain.metadata import snapshot_metadata
from desktop_app.domain.pattern import MAX_TRACKS, Pattern, demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.message_pages import fetch_changes
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from sequencer_server.write_limits import json_size
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import BACKEND_KINDS, Client
from tests.server.sample_files import audio_bytes


@contextmanager
def served(request, tmp_path, **env: str) -> Iterator[tuple[object, str]]:
    endpoint = request.getfixturevalue("moto_endpoint") if "s3" in request.param else None
    backend = make_backend(request.param, tmp_path, endpoint, **env)
    with ThreadedServer(backend.app()) as server:
        yield backend, server.url


@pytest.fixture(params=BACKEND_KINDS)
def kind(request):
    return request


def largest_pattern(sample_sha256: str) -> dict:
    """The biggest snapshot the desktop app makes: every track it allows, every step at
    full velocity, long names, each track on an own sample (166 KB of compact JSON)."""
    snap = demo_pattern().to_snapshot()
    track = snap["tracks"][0]
    snap.update(version="0.1.0", length=64, bpm=123.456789, swing=0.123456)
    snap["tracks"] = [
        {
            **track,
            "name": f"{'N' * 76}{i:04d}",
            "steps": [127] * 64,
            "sample_sha256": sample_sha256,
            "sample_name": "S" * 80,
            "pitch": -11.53,
            "decay": 0.123456789,
            "choke": 3,
            "volume": 0.123456789,
            "pan": -0.987654321,
        }
        for i in range(MAX_TRACKS)
    ]
    return Pattern.from_snapshot(snap).to_snapshot()


def test_oversized_snapshot_and_summary_are_refused_and_the_largest_real_one_is_not(kind, tmp_path):
    with served(kind, tmp_path) as (backend, url):
        alice = Client(url, add_user(backend.store, "alice"))
        thread = alice.create_thread()
        sample = alice.http.post(
            f"{url}/api/v1/samples",
            data={"token": alice.token},
            files={"file": ("kick.wav", audio_bytes(), "audio/wav")},
        )
        assert sample.status_code == 201, sample.text
        biggest = largest_pattern(sample.json()["sha256"])
        assert json_size(biggest) > 160 * 1024
        meta = snapshot_metadata(biggest, 600.0)
        ok = alice.create_message(thread["id"], snapshot=biggest, snapshot_metadata=meta)
        assert ok.status_code == 201, ok.text[:300]

        huge_meta = alice.create_message(thread["id"], snapshot_metadata={"x": "y" * 1_000_000})
        assert huge_meta.status_code == 422
        assert "MAX_METADATA_KB" in huge_meta.json()["detail"]
        padded = {**biggest, "padding": "z" * 300_000}
        huge_snapshot = alice.create_message(thread["id"], snapshot=padded)
        assert huge_snapshot.status_code == 422
        assert "MAX_SNAPSHOT_KB" in huge_snapshot.json()["detail"]
        assert [m["id"] for m in alice.changes(thread["id"])["messages"]] == [ok.json()["id"]]


def test_a_page_stops_at_its_size_and_the_client_fetches_the_rest(kind, tmp_path):
    with served(kind, tmp_path, MAX_PAGE_KB="64") as (backend, url):
        alice = Client(url, add_user(backend.store, "alice"))
        thread = alice.create_thread()
        sent = []
        for i in range(12):
            meta = {"bpm": 120, "notes": f"{i:02d}" + "x" * 20_000}
            r = alice.create_message(thread["id"], snapshot_metadata=meta)
            assert r.status_code == 201
            sent.append(r.json()["id"])
        time.sleep(0.1 if "sqlite" in kind.param else 2.1)  # past the settle window

        first = alice.http.get(
            f"{url}/api/v1/threads/{thread['id']}/messages",
            params={"token": alice.token, "limit": 200},
        )
        page = first.json()
        assert page["more"] is True and 0 < len(page["messages"]) < 12
        assert len(first.content) < 64 * 1024 + 25_000  # the last message may cross it

        client = ApiClient(url, alice.token)
        try:
            changes = fetch_changes(client, thread["id"])
        finally:
            client.close()
        assert sorted(changes.messages) == sorted(sent)


def test_the_attackers_thread_is_answered_in_pages_of_bounded_size(tmp_path):
    """60 messages with the largest summary allowed: every page stays near MAX_PAGE_KB
    (1 MB by default) instead of answering the whole thread at once."""
    backend = make_backend("sqlite-local", tmp_path, None, MESSAGES_PER_MINUTE="100")
    with ThreadedServer(backend.app()) as server:
        mallory = Client(server.url, add_user(backend.store, "mallory"))
        thread = mallory.create_thread()
        for _ in range(60):
            meta = {"junk": "y" * (31 * 1024)}
            r = mallory.create_message(thread["id"], user_id="mallory", snapshot_metadata=meta)
            assert r.status_code == 201
        cursor, sizes, seen = None, [], 0
        while True:
            params = {
                "token": mallory.token,
                "limit": 1000,
                **({"since": cursor} if cursor else {}),
            }
            r = mallory.http.get(
                f"{server.url}/api/v1/threads/{thread['id']}/messages", params=params
            )
            sizes.append(len(r.content))
            seen += len(r.json()["messages"])
            cursor = r.json()["cursor"]
            if not r.json()["more"]:
                break
        assert seen == 60 and len(sizes) >= 2
        assert max(sizes) < 1024 * 1024 + 40 * 1024


def test_messages_per_minute_per_user(tmp_path):
    backend = make_backend("sqlite-local", tmp_path, None, MESSAGES_PER_MINUTE="3")
    with ThreadedServer(backend.app()) as server:
        alice = Client(server.url, add_user(backend.store, "alice"))
        bob = Client(server.url, add_user(backend.store, "bob"))
        thread = alice.create_thread()
        for i in range(3):
            assert alice.create_message(thread["id"], id=f"a{i}").status_code == 201
        refused = alice.create_message(thread["id"], id="a3")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "MESSAGES_PER_MINUTE" in refused.json()["detail"]
        assert (
            alice.http.get(
                f"{server.url}/api/v1/messages/a3", params={"token": alice.token}
            ).status_code
            == 404
        )  # nothing stored
        assert alice.create_message(thread["id"], id="a0").status_code == 200  # a retry is free
        assert bob.create_message(thread["id"], user_id="bob").status_code == 201
        service = Client(server.url, TOKEN)  # the shared token is a service, not a person
        for _ in range(4):
            assert service.create_message(thread["id"]).status_code == 201


def test_threads_per_minute_per_user(tmp_path):
    backend = make_backend("sqlite-local", tmp_path, None, THREADS_PER_MINUTE="2")
    with ThreadedServer(backend.app()) as server:
        alice = Client(server.url, add_user(backend.store, "alice"))
        for i in range(2):
            r = alice.http.post(
                f"{server.url}/api/v1/threads",
                json={"token": alice.token, "name": f"T{i}", "id": f"t{i}"},
            )
            assert r.status_code == 201
        again = alice.http.post(
            f"{server.url}/api/v1/threads", json={"token": alice.token, "name": "T0", "id": "t0"}
        )
        assert again.status_code == 200  # a replay of an offline creation is not a new one
        refused = alice.http.post(
            f"{server.url}/api/v1/threads", json={"token": alice.token, "name": "T2"}
        )
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert len(alice.http.get(
            f"{server.url}/api/v1/threads", params={"token": alice.token}
        ).json()) == 2  # fmt: skip


def test_limits_are_read_from_the_environment():
    from sequencer_server.config import ConfigError, Settings

    settings = Settings.from_env(
        {"API_TOKEN": "t", "MAX_PAGE_KB": "10", "MESSAGES_PER_MINUTE": "5"}
    )
    assert settings.write_limits.max_page_kb == 10
    assert settings.write_limits.messages_per_minute == 5
    with pytest.raises(ConfigError, match="MAX_SNAPSHOT_KB"):
        Settings.from_env({"API_TOKEN": "t", "MAX_SNAPSHOT_KB": "lots"})


@pytest.mark.parametrize("backend_kind", ["sqlite-local", "mongo-local"])
def test_storage_per_user(tmp_path, backend_kind):
    """Renders and samples count together; deleting a message frees its render; other
    users and the shared token are not held back."""
    from tests.server.helpers import mp3_bytes

    backend = make_backend(backend_kind, tmp_path, None, MAX_STORAGE_MB_PER_USER="1")
    with ThreadedServer(backend.app()) as server:
        alice = Client(server.url, add_user(backend.store, "alice"))
        bob = Client(server.url, add_user(backend.store, "bob"))
        take = mp3_bytes(seconds=20.0)  # 320 KB
        assert 300_000 < len(take) < 400_000
        thread = alice.create_thread()
        kept = []
        for _ in range(3):
            render = alice.upload(data=take)
            assert render.status_code == 200, render.text
            kept.append(render.json())
        refused = alice.upload(data=take)
        assert refused.status_code == 413
        assert "MAX_STORAGE_MB_PER_USER" in refused.json()["detail"]
        sample = alice.http.post(
            f"{server.url}/api/v1/samples",
            data={"token": alice.token},
            files={"file": ("hit.wav", audio_bytes(seconds=3.0), "audio/wav")},
        )
        assert sample.status_code == 413  # 132 KB more is too much, too
        assert bob.upload(data=take).status_code == 200
        assert Client(server.url, TOKEN).upload(data=take).status_code == 200

        message = alice.create_message(thread["id"], user_id="alice", renders=[kept[0]])
        assert message.status_code == 201
        deleted = alice.http.delete(
            f"{server.url}/api/v1/messages/{message.json()['id']}", params={"token": alice.token}
        )
        assert deleted.status_code == 200
        assert alice.upload(data=take).status_code == 200  # room again
