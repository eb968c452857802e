"""Server load: the work a busy band server did per request that it did not need to.

Two servers run side by side in the same run, each in a process of its own under uvicorn
on 127.0.0.1 (``benchmarks/_serverload_server.py``) on identically seeded SQLite stores:
ours (this checkout) and the baseline, the server code of the commit before this work
(``BASELINE_REV``, or ``SERVERLOAD_BASELINE``), extracted with ``git archive`` into a
temporary folder that the baseline's ``PYTHONPATH`` names. Requests alternate between the
two, so a busy machine slows both alike. Each store holds: the uploader's 2,000 renders
and 2,000 each of four other band members (10,000 upload records with 100 peaks each), 20
listeners, and one private thread of 5,000 messages with a render each.

(a) Upload acceptance: ``POST /api/v1/upload/audio`` latency for the uploader with 2,000
    renders stored; the baseline summed sizes with ``json_extract`` over every upload and
    sample record, ours reads the ``(uploader, size_bytes)`` indexes. The quota query
    alone (``bytes_stored_by`` in the server process) is timed too.
(b) ``GET /api/v1/threads/{id}/messages``: the full list of the 5,000-message thread,
    following ``more`` page by page (``limit=1000``, pages cut at MAX_PAGE_KB = 1 MiB),
    and the first page alone; the baseline presented (signed URLs for) every message of
    a page before cutting it.
(c) Store calls per second with 200 idle event streams open (20 users × 10), nothing
    happening: the baseline asked the store about each stream's token every 5 s.

Each figure is a median; ``ratio`` is baseline / ours (bigger is better).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import requests

from benchmarks.common import median, ratio

ROOT = Path(__file__).resolve().parents[1]
BASELINE_REV = "49f0c17"  # the server before the serverload work
TREES = ("sequencer_server", "sequencer_common", "resources")
TOKEN = "serverload-benchmark-token-0123456789abcdef"
MP3_FRAME = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)
UPLOAD = MP3_FRAME * 40  # 16 KB of MPEG frames
LISTENERS = [f"listener{i:02d}" for i in range(20)]
STREAMS_EACH = 10


def _spec(data_dir: Path, quick: bool) -> dict[str, Any]:
    from desktop_app.domain.pattern import demo_pattern

    pattern = demo_pattern()
    renders = 500 if quick else 2000
    return {
        "data_dir": str(data_dir),
        "token": TOKEN,
        "env": {"MAX_STREAMS_PER_USER": str(STREAMS_EACH), "SSE_HEARTBEAT_S": "15"},
        "uploader": "alice",
        "listeners": LISTENERS,
        "uploads": {"alice": renders, **{f"band{i}": renders for i in range(4)}},
        "render_bytes": 400_000,
        "messages": 1500 if quick else 5000,
        "snapshot": pattern.to_snapshot(),
        "metadata": pattern.metadata(loops=4),
    }


def _baseline_tree(into: Path) -> Path:
    """The baseline commit's server code, extracted."""
    rev = os.environ.get("SERVERLOAD_BASELINE", BASELINE_REV)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, *TREES],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


class Server:
    """A ``_serverload_server`` process and its commands."""

    def __init__(self, proc: subprocess.Popen[str], ready: dict[str, Any]) -> None:
        self.proc = proc
        self.url: str = ready["url"]
        self.tokens: dict[str, str] = ready["tokens"]
        self.thread: str = ready["thread"]
        self.http = requests.Session()

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())


@contextmanager
def server(code: Path, spec: dict[str, Any], folder: Path) -> Iterator[Server]:
    folder.mkdir(parents=True)
    spec_file = folder / "spec.json"
    spec_file.write_text(json.dumps({**spec, "data_dir": str(folder / "data")}))
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "_serverload_server.py"), str(spec_file)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the server of {code} did not start")
        ready = json.loads(line)
        if Path(ready["code"]).resolve() != code.resolve():
            raise RuntimeError(f"the server ran {ready['code']}, not {code}")
        yield Server(proc, ready)
    finally:
        if proc.poll() is None:
            assert proc.stdin is not None
            proc.stdin.write("quit\n")
            proc.stdin.flush()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _timed(call: Any) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def upload_ms(s: Server) -> float:
    def call() -> None:
        r = s.http.post(
            f"{s.url}/api/v1/upload/audio",
            data={"token": s.tokens["alice"], "format": "mp3"},
            files={"file": ("take.mp3", UPLOAD, "audio/mpeg")},
        )
        assert r.status_code == 200, r.text

    return _timed(call)


def full_list(s: Server) -> tuple[float, float, int, int]:
    """(ms for the whole thread, ms for its first page, messages, pages)."""
    url = f"{s.url}/api/v1/threads/{s.thread}/messages"
    params: dict[str, Any] = {"token": s.tokens["alice"], "limit": 1000}
    seen, pages, first = 0, 0, 0.0
    start = time.perf_counter()
    while True:
        r = s.http.get(url, params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        pages += 1
        if pages == 1:
            first = (time.perf_counter() - start) * 1000
        seen += len(page["messages"])
        if not page["more"]:
            break
        params["since"] = page["cursor"]
    return (time.perf_counter() - start) * 1000, first, seen, pages


class Streams:
    """Event streams held open (asyncio, httpx) on a thread of their own until closed."""

    def __init__(self, url: str, tokens: list[str]) -> None:
        self._url, self._tokens = url, tokens
        self.opened = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> Streams:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError(f"only {self.opened} of {len(self._tokens)} streams opened")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        limits = httpx.Limits(max_connections=len(self._tokens) + 10)
        timeout = httpx.Timeout(30.0, read=None)
        async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
            tasks = [asyncio.create_task(self._hold(client, t)) for t in self._tokens]
            await self._stop.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _hold(self, client: httpx.AsyncClient, token: str) -> None:
        url = f"{self._url}/api/v1/events"
        async with client.stream("GET", url, params={"token": token}) as response:
            assert response.status_code == 200
            first = True
            async for _line in response.aiter_lines():
                if first:
                    first = False
                    self.opened += 1
                    if self.opened == len(self._tokens):
                        self._ready.set()


def store_calls_per_s(s: Server, window_s: float) -> dict[str, Any]:
    s.ask("reset")
    time.sleep(window_s)
    counts = s.ask("counts")
    per_s = {k: round(v / counts["seconds"], 2) for k, v in sorted(counts["calls"].items())}
    return {"total": round(sum(per_s.values()), 2), "by_method": per_s}


def run(args: Any) -> dict[str, Any]:
    quick = bool(args.quick)
    rounds = 10 if quick else 40
    list_rounds = 3 if quick else 7
    window_s = 6.0 if quick else 20.0
    with tempfile.TemporaryDirectory(prefix="serverload-") as tmp:
        base_code = _baseline_tree(Path(tmp) / "baseline-code")
        spec = _spec(Path(tmp), quick)
        with (
            server(ROOT, spec, Path(tmp) / "ours") as ours,
            server(base_code, spec, Path(tmp) / "baseline") as base,
        ):
            pair = {"ours": ours, "baseline": base}
            for s in pair.values():  # warm-up: imports, connection pools, page cache
                upload_ms(s)
                full_list(s)
            uploads: dict[str, list[float]] = {k: [] for k in pair}
            for _ in range(rounds):
                for name, s in pair.items():
                    uploads[name].append(upload_ms(s))
            quota = {k: s.ask("quota 200")["median_ms"] for k, s in pair.items()}

            lists: dict[str, list[tuple[float, float, int, int]]] = {k: [] for k in pair}
            for _ in range(list_rounds):
                for name, s in pair.items():
                    lists[name].append(full_list(s))
            assert lists["ours"][0][2:] == lists["baseline"][0][2:], "the pages differ"

            idle: dict[str, Any] = {}
            for name, s in pair.items():
                tokens = [s.tokens[u] for u in LISTENERS for _ in range(STREAMS_EACH)]
                with Streams(s.url, tokens):
                    time.sleep(2.0)  # every stream's first check done
                    idle[name] = store_calls_per_s(s, window_s)

    def side(figures: dict[str, list[float]]) -> dict[str, float]:
        m = {k: round(median(v), 2) for k, v in figures.items()}
        return {**m, "ratio": round(ratio(m["baseline"], m["ours"]), 2)}

    return {
        "benchmark": "serverload",
        "baseline": os.environ.get("SERVERLOAD_BASELINE", BASELINE_REV),
        "seed": {
            "uploader_renders": spec["uploads"]["alice"],
            "upload_records": sum(spec["uploads"].values()),
            "thread_messages": spec["messages"],
        },
        "a_upload_accept_ms": {**side(uploads), "uploads": rounds},
        "a_quota_query_ms": {
            **{k: round(v, 3) for k, v in quota.items()},
            "ratio": round(ratio(quota["baseline"], quota["ours"]), 1),
        },
        "b_full_list_ms": {
            **side({k: [r[0] for r in v] for k, v in lists.items()}),
            "messages": lists["ours"][0][2],
            "pages": lists["ours"][0][3],
            "lists": list_rounds,
        },
        "b_first_page_ms": side({k: [r[1] for r in v] for k, v in lists.items()}),
        "c_idle_streams": {
            "streams": len(LISTENERS) * STREAMS_EACH,
            "window_s": window_s,
            "ours_store_calls_per_s": idle["ours"],
            "baseline_store_calls_per_s": idle["baseline"],
        },
    }
