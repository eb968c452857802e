"""A page of ``GET /threads/{id}/messages`` makes render URLs (signed ones in a private
thread) only for the messages it carries: it used to present every stored message of the
thread and then cut the page at MAX_PAGE_KB, so a long private thread signed thousands of
URLs for a page of a few dozen."""

from __future__ import annotations

import requests

from sequencer_server.signed_urls import UrlSigner
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client

MESSAGES = 30


class CountingSigner(UrlSigner):
    """The app's signer, counting the URLs it signs."""

    def __init__(self, signer: UrlSigner) -> None:
        self.__dict__.update(signer.__dict__)
        self.signed = 0

    def query(self, key: str, now: float | None = None) -> str:
        self.signed += 1
        return super().query(key, now)


def test_a_cut_page_signs_only_the_urls_it_carries(tmp_path):
    backend = make_backend("sqlite-local", tmp_path, MAX_PAGE_KB="64")
    app = backend.app()
    signer = app.state.signer = CountingSigner(app.state.signer)
    with ThreadedServer(app) as server:
        band = Client(server.url, TOKEN)
        made = requests.post(
            f"{server.url}/api/v1/threads",
            json={"token": TOKEN, "name": "Secret", "private": True, "users": ["alice"]},
            timeout=10,
        )
        thread = made.json()
        for i in range(MESSAGES):
            band.message_created_with_render(
                thread["id"], snapshot_metadata={"bpm": 120, "notes": f"{i:02d}" + "x" * 9_000}
            )
        signer.signed = 0
        page = band.changes(thread["id"])
    assert page["more"] is True and 0 < len(page["messages"]) < MESSAGES
    carried = sum(len(m["renders"]) for m in page["messages"])
    assert all("sig=" in r["url"] for m in page["messages"] for r in m["renders"])
    assert signer.signed == carried
