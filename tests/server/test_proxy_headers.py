"""A client's address is the socket's unless the operator puts a proxy in front: uvicorn's
default trusts ``X-Forwarded-For`` from 127.0.0.1, so a local client rotating that header
dodged the brute-force limit and every per-address cap."""

from __future__ import annotations

import requests

from tests.server.helpers import server_process


def _failures_until_refused(url: str) -> list[int]:
    statuses = []
    for i in range(22):
        r = requests.get(
            f"{url}/api/v1/me",
            params={"token": "wrong"},
            headers={"X-Forwarded-For": f"10.0.{i // 250}.{i % 250 + 1}"},
            timeout=10,
        )
        statuses.append(r.status_code)
    return statuses


def test_x_forwarded_for_is_ignored_without_proxy_headers(tmp_path):
    with server_process(tmp_path / "data") as server:
        statuses = _failures_until_refused(server.url)
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429, 429]


def test_proxy_headers_is_the_operators_choice(tmp_path):
    with server_process(tmp_path / "data", "--proxy-headers") as server:
        statuses = _failures_until_refused(server.url)
    # each forwarded address is a client of its own behind the operator's proxy
    assert statuses == [401] * 22
