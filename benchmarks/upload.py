"""Upload path: server memory for one big upload, and throughput under concurrency.

1. Peak RSS growth of the server process while it receives one 200 MB upload into S3
   (moto, in its own process so its memory is not counted): ours (spooled body, S3
   multipart upload) against the seed's handler (``await file.read()`` + ``put_object``).
2. 16 concurrent clients × 2.5 MB (a minute of 320 kbps MP3) against our server with local
   storage and with S3 (moto): aggregate MB/s, p50 and p95 latency.
Every server runs as a separate process on 127.0.0.1 with a free port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import boto3
import psutil
import requests
from requests_toolbelt.multipart.encoder import MultipartEncoder

from benchmarks.common import median, percentile, ratio

TOKEN = "bench-token"
MP3_FRAME = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(cmd: list[str], env: dict[str, str], probe: str) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_http(probe)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def moto() -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    url = f"http://127.0.0.1:{port}"
    with process(cmd, {}, url):
        yield url


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    return {
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY": "bench",
        "S3_SECRET_KEY": "bench",
        "S3_REGION": "us-east-1",
        "S3_BUCKET_NAME": bucket,
    }


@contextmanager
def our_server(data_dir: str, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "sequencer_server", "--port", str(port),
        "--data-dir", data_dir, "--log-level", "warning",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    # All 16 benchmark clients share 127.0.0.1: lift the per-address upload cap for them.
    full_env = {
        "API_TOKEN": TOKEN,
        "MAX_UPLOAD_MB": "1024",
        "MAX_UPLOADS_PER_CLIENT": "64",
        **env,
    }
    with process(cmd, full_env, f"{url}/healthz") as proc:
        yield url, proc.pid


@contextmanager
def seed_server(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", "benchmarks._seed_upload_app:app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with process(cmd, env, f"{url}/docs") as proc:
        yield url, proc.pid


def make_file(directory: str, size: int) -> Path:
    path = Path(directory) / f"upload-{size}.mp3"
    # Silent 128 kbps frames back to back (each header chains to the next, as the
    # server's MP3 check requires), cut to the exact size.
    chunk = MP3_FRAME * (1024 * 1024 // len(MP3_FRAME))
    with path.open("wb") as f:
        left = size
        while left > 0:
            f.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
    return path


def upload(url: str, path: Path, session: requests.Session | None = None) -> float:
    """Stream ``path`` from disk to the server; returns the latency in seconds."""
    http = session or requests
    with path.open("rb") as handle:
        encoder = MultipartEncoder(
            {"token": TOKEN, "format": "mp3", "file": (path.name, handle, "audio/mpeg")}
        )
        start = time.perf_counter()
        r = http.post(
            f"{url}/api/v1/upload/audio",
            data=encoder,
            headers={"Content-Type": encoder.content_type},
            timeout=600,
        )
        elapsed = time.perf_counter() - start
    r.raise_for_status()
    return elapsed


def peak_rss_growth(pid: int, action) -> tuple[float, float]:
    """(peak RSS growth in MB during ``action()``, its duration in s)."""
    proc = psutil.Process(pid)
    children = proc.children(recursive=True)

    def rss() -> int:
        total = proc.memory_info().rss
        for child in children:
            with suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    before = rss()
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        action()
    finally:
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
    return (max(peak, rss()) - before) / 1e6, elapsed


def concurrent(url: str, path: Path, clients: int, rounds: int) -> dict:
    size = path.stat().st_size
    latencies: list[float] = []
    sessions = [requests.Session() for _ in range(clients)]
    upload(url, path, sessions[0])  # warm up connections and imports
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(rounds):
            latencies += pool.map(lambda s: upload(url, path, s), sessions)
    wall = time.perf_counter() - start
    return {
        "uploads": len(latencies),
        "aggregate_mb_per_s": round(size * len(latencies) / wall / 1e6, 1),
        "p50_latency_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_latency_ms": round(percentile(latencies, 95) * 1000, 1),
    }


def run(args) -> dict:
    big_mb = 50 if args.quick else 200
    repeats = 1 if args.quick else 3
    clients, rounds = 16, (1 if args.quick else 3)
    with tempfile.TemporaryDirectory() as tmp, moto() as endpoint:
        big = make_file(tmp, big_mb * 1024 * 1024)
        small = make_file(tmp, int(2.5 * 1024 * 1024))
        ours_mb, seed_mb, ours_s, seed_s = [], [], [], []
        env = s3_env(endpoint, "bench-ours")
        seed_env = s3_env(endpoint, "bench-seed")
        # A fresh server process for every measured upload: memory a process freed is
        # not given back to the system, so a second upload into the same process would
        # measure the reuse of its first one's pages, not what an upload costs.
        for i in range(repeats):
            with our_server(str(Path(tmp) / f"ours{i}"), env) as (url, pid):
                upload(url, small)  # warm-up: imports, boto3 client, connection pool
                mb, secs = peak_rss_growth(pid, lambda u=url: upload(u, big))
                ours_mb.append(mb)
                ours_s.append(secs)
            with seed_server(seed_env) as (url, pid):
                upload(url, small)
                mb, secs = peak_rss_growth(pid, lambda u=url: upload(u, big))
                seed_mb.append(mb)
                seed_s.append(secs)
        memory = {
            "upload_mb": big_mb,
            "repeats": repeats,
            "ours_peak_rss_growth_mb": round(median(ours_mb), 1),
            "seed_peak_rss_growth_mb": round(median(seed_mb), 1),
            "ratio_seed_over_ours": round(ratio(median(seed_mb), median(ours_mb)), 1),
            "ours_seconds": round(median(ours_s), 2),
            "seed_seconds": round(median(seed_s), 2),
            "goal": "ours <= 40 MB, ratio >= 5",
        }
        throughput = {}
        with our_server(str(Path(tmp) / "local"), {}) as (url, _pid):
            throughput["local"] = concurrent(url, small, clients, rounds)
        env = s3_env(endpoint, "bench-concurrent")
        with our_server(str(Path(tmp) / "s3"), env) as (url, _pid):
            throughput["s3_moto"] = concurrent(url, small, clients, rounds)
    return {
        "benchmark": "upload",
        "memory_one_big_upload": memory,
        "concurrency": {"clients": clients, "file_mb": 2.5, **throughput},
    }
