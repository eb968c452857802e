"""Keep-alive request latency: what every call of the desktop client costs on loopback.

The client keeps one connection to the server open and sends each request on it. Ours:
``python -m sequencer_server`` (the command the desktop app starts as its embedded
server). Baseline: the same app and uvicorn protocol served on a socket bound with
``socket.create_server``, as ``sequencer-server`` did before: its accepted connections
kept Nagle's algorithm on, so each response's body waited for the client's delayed ACK
of its head. Both run as processes of their own on a temporary SQLite folder; the same
``requests.Session`` loop measures each: GET ``/healthz`` and GET ``/api/v1/threads``
(the client's start and 30 s poll), after one request that opened the connection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from benchmarks.common import median, percentile, ratio

TOKEN = "bench-token"

# The server as it was: the same app and protocol on a listener made by create_server.
_BASELINE = """
import functools, json, os, socket
from sequencer_server.asgi import create_app_from_env
from sequencer_server.quiet_server import QuietServer
from sequencer_server.slow_clients import HeadTimeoutProtocol
import uvicorn
sock = socket.create_server(("127.0.0.1", 0))
print(json.dumps({"url": "http://127.0.0.1:%d" % sock.getsockname()[1]}), flush=True)
config = uvicorn.Config(create_app_from_env(), log_level="warning", access_log=False,
                        http=functools.partial(HeadTimeoutProtocol, head_timeout_s=30.0))
QuietServer(config).run(sockets=[sock])
"""


@contextmanager
def server(cmd: list[str], data_dir: str) -> Iterator[str]:
    env = {**os.environ, "API_TOKEN": TOKEN, "ENV": "bench", "SEQUENCER_SERVER_DATA": data_dir}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())["url"]
    finally:
        proc.terminate()
        proc.wait(10)


def measure(url: str, path: str, n: int) -> dict[str, float]:
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        http.get(url + path, timeout=10).raise_for_status()
        times = []
        for _ in range(n):
            start = time.perf_counter()
            http.get(url + path, timeout=10).raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(median(times), 2), "p95_ms": round(percentile(times, 95), 2)}


def run(args: Any) -> dict[str, Any]:
    n = 20 if args.quick else 200
    ours_cmd = [sys.executable, "-m", "sequencer_server", "--port", "0", "--ready-json",
                "--log-level", "warning"]  # fmt: skip
    result: dict[str, Any] = {"benchmark": "keepalive", "requests_per_path": n}
    for name, cmd in (("baseline", [sys.executable, "-c", _BASELINE]), ("ours", ours_cmd)):
        with tempfile.TemporaryDirectory() as data, server(cmd, data) as url:
            requests.post(f"{url}/api/v1/threads", json={"token": TOKEN, "name": "Jam"}, timeout=10)
            result[name] = {p: measure(url, p, n) for p in ("/healthz", "/api/v1/threads")}
    result["speedup_p50"] = {
        p: round(ratio(result["baseline"][p]["p50_ms"], result["ours"][p]["p50_ms"]), 1)
        for p in ("/healthz", "/api/v1/threads")
    }
    return result
