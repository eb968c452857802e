"""The client's sample building blocks against the real server: hashing, upload, the
sample object, and the cache that downloads by hash, verifies it, and evicts least
recently used samples except the open pattern's."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest

from desktop_app.services.api import ApiClient, NotFoundError, PermanentApiError
from desktop_app.services.samples import SampleCache, SampleError, sha256_file
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import pattern
from tests.server.sample_files import audio_bytes


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


class Counting:
    """The real ApiClient, counting how often the cache asks the server."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.base_url = api.base_url
        self.downloads = 0

    def get_sample(self, sha256: str):
        return self.api.get_sample(sha256)

    def download(self, url, dest, *, progress=None, expected_size=None):
        self.downloads += 1
        return self.api.download(url, dest, progress=progress, expected_size=expected_size)


def test_upload_and_get_sample(api, tmp_path):
    data = audio_bytes("FLAC", seconds=0.5)
    path = _write(tmp_path, "snare.flac", data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    sample = api.upload_sample(path)
    assert sample.sha256 == sha256_file(path) and sample.format == "flac"
    assert api.upload_sample(path) == sample  # same bytes, same sample
    assert api.get_sample(sample.sha256) == sample
    with pytest.raises(NotFoundError):
        api.get_sample("0" * 64)
    with pytest.raises(PermanentApiError, match="64 lowercase hex"):
        api.get_sample("../../etc")
    with pytest.raises(PermanentApiError) as refused:
        api.upload_sample(_write(tmp_path, "notes.wav", b"not audio at all" * 50))
    assert refused.value.status == 415 and "not an audio file" in refused.value.detail


def test_fetch_downloads_once_and_verifies_the_hash(tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    with ThreadedServer(backend.app()) as server:
        api = ApiClient(server.url, TOKEN, timeout=10.0)
        good = api.upload_sample(_write(tmp_path, "a.wav", audio_bytes(tone=300)))
        source = Counting(api)
        cache = SampleCache(tmp_path / "cache", source)
        path = cache.fetch(good.sha256)
        assert path.name == f"{good.sha256}.wav" and sha256_file(path) == good.sha256
        assert cache.fetch(good.sha256) == path and source.downloads == 1

        # the server's file changed behind its back (same size): the download is refused
        bad = api.upload_sample(_write(tmp_path, "b.wav", audio_bytes(tone=400)))
        stored = backend.storage.root / f"test/samples/{bad.sha256}.wav"
        other = audio_bytes(tone=500)
        assert len(other) == bad.size_bytes
        stored.write_bytes(other)
        with pytest.raises(SampleError, match="wrong content"):
            cache.fetch(bad.sha256)
        assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [path.name]
        with pytest.raises(NotFoundError):
            cache.fetch("1" * 64)


def test_eviction_keeps_the_open_patterns_samples(tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    with ThreadedServer(backend.app()) as server:
        api = ApiClient(server.url, TOKEN, timeout=10.0)
        shas = [
            api.upload_sample(_write(tmp_path, f"{i}.wav", audio_bytes(tone=200 + 50 * i))).sha256
            for i in range(4)
        ]
        size = len(audio_bytes())
        ticks = itertools.count(1000.0)
        cache = SampleCache(tmp_path / "cache", api, cap_bytes=3 * size, clock=lambda: next(ticks))
        for sha in shas[:3]:
            cache.fetch(sha)
        cache.lookup(shas[1])  # used again: now the most recent
        # the open pattern plays shas[0], the least recently used
        cache.fetch(shas[3], protect={shas[0]})
        assert {e[0] for e in cache.entries()} == {shas[0], shas[1], shas[3]}
        assert cache.total_bytes() <= cache.cap_bytes
        # a cap below the protected samples keeps them anyway
        assert set(cache.set_cap(size, protect={shas[0], shas[3]})) == {shas[1]}
        assert {e[0] for e in cache.entries()} == {shas[0], shas[3]}


def test_a_private_threads_sample_is_fetched_by_a_member_through_its_signed_url(
    live_backend, tmp_path
):
    """The cache downloads what ``GET /samples/{sha}`` points at, without the token: a
    private sample's expiring signed URL (local ``/media?exp&sig`` or S3 presigned)."""
    from sequencer_server.users import add_user

    backend, url = live_backend
    tokens = {n: add_user(backend.store, n) for n in ("alice", "bob")}
    alice, bob = (ApiClient(url, tokens[n], timeout=10.0) for n in ("alice", "bob"))
    thread = alice.create_private_thread("Secret", ["bob"])
    data = audio_bytes(tone=610)
    sample = alice.upload_sample(_write(tmp_path, "secret.wav", data))
    track = {"name": "S", "sample": "kick", "steps": [100], "sample_sha256": sample.sha256}
    snapshot = pattern(version="0.1.0", length=1, tracks=[track])
    alice.create_message(thread.id, "alice", snapshot)
    signed = bob.get_sample(sample.sha256).url
    assert "sig=" in signed or "Signature" in signed
    path = SampleCache(tmp_path / "bob-cache", bob).fetch(sample.sha256)
    assert path.read_bytes() == data
