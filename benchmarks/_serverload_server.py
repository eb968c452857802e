"""One server for ``python -m benchmarks serverload``, run as a script in a process of its
own with ``PYTHONPATH`` naming the server's code: this checkout, or the baseline commit's
tree. So it uses only what both have (``create_app``, ``SQLiteStore``, ``LocalStorage``,
``ThreadedServer``, ``add_user`` and the store's methods).

``python benchmarks/_serverload_server.py SPEC.json``: seeds a fresh SQLite store as the
spec says (in one transaction), counts every call of a store method the app makes, serves
the app under uvicorn on 127.0.0.1:0, prints one JSON line (url, tokens, thread id), then
answers commands on stdin, one JSON line each: ``reset`` (counts to zero), ``counts``
(calls per method since the reset, and the seconds since), ``quota N`` (the median ms of
N calls of ``bytes_stored_by`` for the uploader), ``quit``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sequencer_server.app import create_app
from sequencer_server.config import Settings
from sequencer_server.storage.local import LocalStorage
from sequencer_server.store.sqlite import SQLiteStore
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user

NOW = "2026-01-01T00:00:00.000Z"


def _upload(uploader: str, size: int, peaks: list[float]) -> dict[str, Any]:
    render_id = str(uuid.uuid4())
    return {
        "id": render_id,
        "key": f"bench/renders/{render_id}.mp3",
        "format": "mp3",
        "size_bytes": size,
        "created_at": NOW,
        "bitrate": 128,
        "duration": 8.0,
        "peaks": peaks,
        "message_id": None,
        "idempotency_key": None,
        "sha256": "0" * 64,
        "uploader": uploader,
    }


def seed(store: SQLiteStore, spec: dict[str, Any]) -> dict[str, Any]:
    """The uploader's renders and the band's, the listeners, and one private thread of
    messages each with a render: what a busy band server holds."""
    tokens = {name: add_user(store, name) for name in [spec["uploader"], *spec["listeners"]]}
    peaks = [round(i / 100, 2) for i in range(100)]
    hidden = ("message_id", "idempotency_key", "sha256", "uploader")
    thread_id = uuid.uuid4().hex
    with store._tx():  # one commit: a transaction inside it joins it
        for name, count in spec["uploads"].items():
            for _ in range(count):
                store.record_upload(_upload(name, spec["render_bytes"], peaks))
        users = [spec["uploader"], *spec["listeners"]]
        store.create_thread({"id": thread_id, "name": "Band", "users": users,
                             "created_at": NOW, "updated_at": NOW, "private": True})  # fmt: skip
        for i in range(spec["messages"]):
            upload = _upload(spec["uploader"], spec["render_bytes"], peaks)
            render = {k: v for k, v in upload.items() if k not in hidden and v is not None}
            store.create_message({
                "id": f"m{i:06d}", "created_at": NOW, "timestamp": NOW,
                "user_id": spec["uploader"], "user_name": spec["uploader"],
                "parent_thread": thread_id, "snapshot": spec["snapshot"],
                "snapshot_metadata": spec["metadata"], "renders": [render],
            })  # fmt: skip
    return {"tokens": tokens, "thread": thread_id}


def count_calls(store: SQLiteStore) -> Counter[str]:
    """Every public method of the store, counted as the app calls it."""
    calls: Counter[str] = Counter()

    def counted(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return method(*args, **kwargs)

        return call

    for name in dir(type(store)):
        method = getattr(store, name)
        if not name.startswith("_") and callable(method):
            setattr(store, name, counted(name, method))
    return calls


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    data_dir = Path(spec["data_dir"])
    settings = Settings.from_env(
        {"API_TOKEN": spec["token"], "ENV": "bench", **spec["env"]}, data_dir=data_dir
    )
    store = SQLiteStore(data_dir / "sequencer.sqlite3")
    seeded = seed(store, spec)
    calls = count_calls(store)
    app = create_app(settings, store=store, storage=LocalStorage(data_dir / "media"))
    with ThreadedServer(app) as server:
        code = str(Path(sys.modules[SQLiteStore.__module__].__file__ or "").parents[2])
        print(json.dumps({"url": server.url, "code": code, **seeded}), flush=True)
        since = time.monotonic()
        for line in sys.stdin:
            command, *rest = line.split()
            if command == "reset":
                calls.clear()
                since = time.monotonic()
                answer: dict[str, Any] = {}
            elif command == "counts":
                answer = {"seconds": time.monotonic() - since, "calls": dict(calls)}
            elif command == "quota":
                times = []
                for _ in range(int(rest[0])):
                    start = time.perf_counter()
                    store.bytes_stored_by(spec["uploader"])
                    times.append((time.perf_counter() - start) * 1000)
                answer = {"median_ms": statistics.median(times)}
            else:
                break
            print(json.dumps(answer), flush=True)
    store.close()


if __name__ == "__main__":
    main()
