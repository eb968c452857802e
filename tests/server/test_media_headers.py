"""``/media`` answers: never sniffed into another type, and kept by shared caches only when
they are an attached render of a public thread (nothing else is public for good)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client, mp3_bytes

PUBLIC_FOR_GOOD = "public, max-age=31536000, immutable"


@pytest.fixture(params=["sqlite-local", "mongo-local"])
def client(request, tmp_path) -> Iterator[Client]:
    backend = make_backend(request.param, tmp_path)
    with ThreadedServer(backend.app()) as server:
        yield Client(server.url)


def test_an_mp3_with_html_after_it_is_never_sniffed(client):
    html = b"<html><script>alert(document.cookie)</script></html>"
    render = client.upload(mp3_bytes() + html).json()
    r = requests.get(render["url"], timeout=10)
    assert r.status_code == 200 and r.content.endswith(html)
    assert r.headers["content-type"] == "audio/mpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    head = requests.head(render["url"], timeout=10)
    assert head.headers["x-content-type-options"] == "nosniff"


def test_only_an_attached_public_render_is_cached_for_good(client):
    thread = client.create_thread()
    message = client.create_message(thread["id"]).json()
    render = client.upload().json()
    unattached = requests.get(render["url"], timeout=10)
    assert unattached.status_code == 200
    assert unattached.headers["cache-control"] == "private, no-store"
    assert client.attach(message["id"], render).status_code == 200
    attached = requests.get(render["url"], timeout=10)
    assert attached.headers["cache-control"] == PUBLIC_FOR_GOOD


def test_a_render_that_turns_private_was_never_public(client):
    secret = client.http.post(
        f"{client.url}/api/v1/threads",
        json={"token": TOKEN, "name": "Secret", "private": True},
    ).json()
    message = client.create_message(secret["id"]).json()
    render = client.upload().json()
    before = requests.get(render["url"], timeout=10)
    assert "public" not in before.headers["cache-control"]
    assert "no-store" in before.headers["cache-control"]
    assert client.attach(message["id"], render).status_code == 200
    assert requests.get(render["url"], timeout=10).status_code == 403
    got = client.http.get(f"{client.url}/api/v1/messages/{message['id']}", params={"token": TOKEN})
    signed = requests.get(got.json()["renders"][0]["url"], timeout=10)
    assert signed.status_code == 200
    assert signed.headers["cache-control"].startswith("private, max-age=")
    assert signed.headers["x-content-type-options"] == "nosniff"
