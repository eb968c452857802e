"""Samples: uploaded once by content hash, checked as real audio, referenced
by messages, kept while a message uses them, removed by cleanup after that, and served
signed once a private thread uses them. Every backend: SQLite/Mongo × local/S3."""

from __future__ import annotations

import hashlib
import io
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from sequencer_server.sample_cleanup import cleanup_samples
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend
from tests.server.helpers import Client, pattern
from tests.server.raw_http import (
    FILE_PART_HEAD,
    MULTIPART,
    form_part,
    open_request,
    read_response,
    request_head,
)
from tests.server.sample_files import audio_bytes
from tests.server.test_bad_input import stored_objects

SCHEMA = Path(__file__).resolve().parents[2] / "resources/schemas/0.1.0/sample/sample.json"


def upload_sample(c: Client, data: bytes, name: str = "kick.wav", **kw: Any) -> requests.Response:
    form = {"token": c.token} if c.token is not None else {}
    return c.http.post(
        f"{c.url}/api/v1/samples",
        data=form,
        files={"file": (name, data, "application/octet-stream")},
        **kw,
    )


def get_sample(c: Client, sha: str) -> requests.Response:
    return c.http.get(f"{c.url}/api/v1/samples/{sha}", params={"token": c.token})


def snapshot_with(*shas: str) -> dict[str, Any]:
    tracks = [{"name": f"T{i}", "sample": "kick", "steps": [100] * 16, "sample_sha256": s,
               "sample_name": f"s{i}.wav"} for i, s in enumerate(shas)]  # fmt: skip
    return pattern(version="0.1.0", tracks=tracks)


def public_content(backend, sample: dict[str, Any]) -> bytes | int:
    """The file behind a sample's public URL, or the status refusing it. S3's public URLs
    are virtual-host style (unresolvable here): the object and its public grant are read
    through the S3 API instead."""
    if backend.storage.name != "s3":
        r = requests.get(sample["url"])
        return r.content if r.status_code == 200 else r.status_code
    key = f"test/samples/{sample['sha256']}.{sample['format']}"
    bucket, client = backend.storage.bucket, backend.storage.client
    grants = client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    if not any("AllUsers" in str(g["Grantee"]) for g in grants):
        return 403
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def sample_files(backend) -> list[str]:
    return [k for k in stored_objects(backend) if "samples" in k]


def test_upload_is_idempotent_by_hash(live_backend):
    backend, url = live_backend
    c = Client(url)
    data = audio_bytes("WAV", seconds=0.5)
    first = upload_sample(c, data)
    assert first.status_code == 201, first.text
    sample = first.json()
    assert sample["sha256"] == hashlib.sha256(data).hexdigest()
    assert sample["format"] == "wav" and sample["size_bytes"] == len(data)
    assert sample["duration"] == pytest.approx(0.5, abs=0.01)
    jsonschema.validate(sample, json.loads(SCHEMA.read_text()))
    assert public_content(backend, sample) == data
    files = sample_files(backend)
    assert len(files) == 1 and files[0].endswith(f"test/samples/{sample['sha256']}.wav")

    again = upload_sample(c, data, name="other-name.wav")
    assert again.status_code == 200 and again.json() == sample
    assert sample_files(backend) == files
    got = get_sample(c, sample["sha256"])
    assert got.status_code == 200 and got.json() == sample


@pytest.mark.parametrize("fmt", ["WAV", "AIFF", "FLAC", "OGG", "MP3"])
def test_every_format_is_accepted_with_its_length(live_server, fmt):
    data = audio_bytes(fmt, seconds=1.0)
    r = upload_sample(Client(live_server), data, name=f"x.{fmt.lower()}")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["format"] == {"AIFF": "aiff"}.get(fmt, fmt.lower())
    assert body["duration"] == pytest.approx(1.0, abs=0.06)
    assert requests.get(body["url"]).content == data


@pytest.mark.parametrize("kind", ["sqlite-local", "mongo-s3"])
def test_refusals_store_nothing(request, tmp_path, kind):
    """Every refusal on the embedded default and on MongoDB (mongomock) + S3 (moto)."""
    endpoint = request.getfixturevalue("moto_endpoint") if "s3" in kind else None
    backend = make_backend(kind, tmp_path, endpoint, MAX_SAMPLE_MB="1")
    with ThreadedServer(backend.app()) as server:
        c = Client(server.url)
        cases = [
            (b"just some text, not audio " * 100, 415, "not an audio file"),
            (b"", 422, "empty"),
            (audio_bytes("WAV", seconds=31, rate=8000), 422, "Sample too long: 31.0 s"),
            # over the cap by less than the multipart allowance: refused by the route
            (audio_bytes("WAV", seconds=6, rate=48000, channels=2), 413, "1 MB (MAX_SAMPLE_MB)"),
            (audio_bytes("AU"), 415, "AU (Sun/NeXT)"),
            (audio_bytes("WAV")[:40], 415, "not an audio file"),
        ]
        for data, status, words in cases:
            r = upload_sample(c, data)
            assert r.status_code == status, (words, r.text)
            assert words in r.json()["detail"]
        assert upload_sample(Client(server.url, "wrong"), audio_bytes()).status_code == 401
        no_file = c.http.post(f"{c.url}/api/v1/samples", files={"token": (None, c.token)})
        assert no_file.status_code == 422, no_file.text
        assert "file" in no_file.json()["detail"]
        wrong_field = c.http.post(
            f"{c.url}/api/v1/samples",
            data={"token": c.token},
            files={"sample": ("kick.wav", audio_bytes(), "audio/wav")},
        )
        assert wrong_field.status_code == 422, wrong_field.text
        # far over: refused by its declared length before the body is read
        head = request_head(
            "POST",
            "/api/v1/samples",
            {
                "Authorization": f"Bearer {c.token}",  # 401 first without it
                "Content-Type": MULTIPART,
                "Content-Length": str(2 * 1024 * 1024),
            },
        )
        with open_request(server.url, head, FILE_PART_HEAD) as sock:
            status, _headers, body = read_response(sock)
        assert status == 413 and b"1 MB (MAX_SAMPLE_MB)" in body
        assert get_sample(c, "A" * 64).status_code == 422
        assert get_sample(c, "abc").status_code == 422
        assert get_sample(c, "0" * 64).status_code == 404
        assert sample_files(backend) == []
        assert backend.store.samples_before("9999") == []


def test_references_keep_samples_until_no_message_uses_them(live_backend):
    backend, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    shared = upload_sample(c, audio_bytes(tone=220)).json()
    unused = upload_sample(c, audio_bytes(tone=330)).json()
    missing = hashlib.sha256(b"never uploaded").hexdigest()

    refused = c.create_message(thread["id"], snapshot=snapshot_with(shared["sha256"], missing))
    assert refused.status_code == 422 and "upload the sample first" in refused.json()["detail"]
    bad = c.create_message(thread["id"], snapshot=snapshot_with("nothex"))
    assert bad.status_code == 422
    a = c.create_message(thread["id"], snapshot=snapshot_with(shared["sha256"])).json()
    b = c.create_message(thread["id"], snapshot=snapshot_with(shared["sha256"], shared["sha256"]))
    assert b.status_code == 201
    assert sorted(backend.store.sample_refs(shared["sha256"])) == sorted([a["id"], b.json()["id"]])
    # a file under the samples prefix that no record owns (a killed upload)
    stray = audio_bytes(tone=550)
    backend.storage.put("test/samples/stray.wav", io.BytesIO(stray), len(stray), "audio/wav")

    r = c.http.delete(f"{url}/api/v1/messages/{a['id']}", params={"token": TOKEN})
    assert r.status_code == 200
    assert get_sample(c, shared["sha256"]).status_code == 200

    lines: list[str] = []
    young = cleanup_samples(backend.store, backend.storage, "test/samples/",
                            older_than=timedelta(hours=1), out=lines.append)  # fmt: skip
    assert young.removed == 0 and len(sample_files(backend)) == 3  # grace period
    dry = cleanup_samples(backend.store, backend.storage, "test/samples/",
                          older_than=timedelta(0), dry_run=True, out=lines.append)  # fmt: skip
    assert dry.removed == 2 and len(sample_files(backend)) == 3
    report = cleanup_samples(backend.store, backend.storage, "test/samples/",
                             older_than=timedelta(0), out=lines.append)  # fmt: skip
    assert (report.removed, report.unrecorded, report.failed) == (2, 1, 0)
    assert get_sample(c, unused["sha256"]).status_code == 404
    assert get_sample(c, shared["sha256"]).status_code == 200  # message B uses it
    assert public_content(backend, shared) == audio_bytes(tone=220)

    r = c.http.delete(f"{url}/api/v1/messages/{b.json()['id']}", params={"token": TOKEN})
    assert r.status_code == 200
    cleanup_samples(backend.store, backend.storage, "test/samples/", older_than=timedelta(0),
                    out=lines.append)  # fmt: skip
    assert sample_files(backend) == [] and get_sample(c, shared["sha256"]).status_code == 404


def test_private_threads_samples_are_signed(live_backend):
    backend, url = live_backend
    tokens = {n: add_user(backend.store, n) for n in ("alice", "bob", "eve")}
    alice, bob, eve = (Client(url, tokens[n]) for n in ("alice", "bob", "eve"))
    r = alice.http.post(
        f"{url}/api/v1/threads",
        json={"token": tokens["alice"], "name": "Secret", "private": True, "users": ["bob"]},
    )
    thread = r.json()
    data = audio_bytes(tone=660)
    sample = upload_sample(alice, data).json()
    assert public_content(backend, sample) == data  # public until a private use
    assert get_sample(eve, sample["sha256"]).status_code == 200
    assert backend.store.get_sample(sample["sha256"])["uploader"] == "alice"

    created = alice.create_message(thread["id"], user_id="alice",
                                   snapshot=snapshot_with(sample["sha256"]))  # fmt: skip
    assert created.status_code == 201, created.text
    for who in (alice, bob):
        got = get_sample(who, sample["sha256"])
        assert got.status_code == 200
        signed = got.json()["url"]
        assert "sig=" in signed or "Signature" in signed
        assert requests.get(signed).content == data
    assert get_sample(eve, sample["sha256"]).status_code == 404
    assert public_content(backend, sample) == 403  # the old public URL is closed
    if backend.storage.name != "s3":
        assert requests.get(sample["url"]).json()["detail"] == (
            "this sample is played in a private thread: use the signed URL the API gives"
        )
    # the same bytes uploaded again answer the private sample, signed, and stay private
    again = upload_sample(eve, data)
    assert again.status_code == 200 and again.json()["url"] != sample["url"]
    assert public_content(backend, sample) == 403


def test_a_database_from_before_samples_gets_their_tables(tmp_path):
    from sequencer_common.sqlite_db import Database
    from sequencer_server.store import sqlite as sqlite_store
    from sequencer_server.store.sqlite_users import create_user_tables

    path = tmp_path / "sequencer.sqlite3"
    old = Database(path)
    old.ensure_schema(
        sqlite_store.SCHEMA,
        2,
        upgrades={1: sqlite_store._add_idempotency_keys, 2: create_user_tables},
    )
    old.close()
    store = sqlite_store.SQLiteStore(path)
    try:
        record = {"sha256": "a" * 64, "key": "k", "created_at": "2026-01-01T00:00:00Z"}
        assert store.record_sample(record) == (record, True)
        assert store.record_sample({**record, "key": "other"}) == (record, False)
        store.add_sample_refs("m1", ["a" * 64, "a" * 64], "2026-01-01T00:00:01Z")
        assert store.sample_refs("a" * 64) == ["m1"]
    finally:
        store.close()


def test_token_is_checked_early_and_uploads_in_flight_are_capped(tmp_path):
    """The render upload's streaming form reader and per-address slots (shared: a client
    has MAX_UPLOADS_PER_CLIENT uploads in flight, renders and samples together)."""
    backend = make_backend("sqlite-local", tmp_path)
    app = backend.app()
    with ThreadedServer(app) as server:
        big = {"Content-Type": MULTIPART, "Content-Length": str(40 * 1024 * 1024)}
        wrong_bearer = request_head("POST", "/api/v1/samples", {**big, "Authorization": "Bearer x"})
        with open_request(server.url, wrong_bearer, FILE_PART_HEAD + audio_bytes()) as sock:
            assert read_response(sock)[0] == 401
        head = request_head("POST", "/api/v1/samples", big)
        start = form_part("token", "wrong") + FILE_PART_HEAD
        with open_request(server.url, head, start + audio_bytes()) as sock:
            status, _headers, body = read_response(sock)
        assert status == 401 and b"Invalid API token" in body

        good = request_head("POST", "/api/v1/samples", {**big, "Authorization": f"Bearer {TOKEN}"})
        held = [open_request(server.url, good, FILE_PART_HEAD + audio_bytes()) for _ in range(4)]
        try:
            # the four wait inside the route for the rest of their bodies
            deadline = time.monotonic() + 30
            while getattr(app.state, "upload_slots", None) is None or (
                app.state.upload_slots.in_use < 4
            ):
                assert time.monotonic() < deadline, "the four uploads never got their slots"
                time.sleep(0.02)
            with open_request(server.url, good, FILE_PART_HEAD) as fifth:
                status, _headers, body = read_response(fifth)
            assert status == 429 and b"MAX_UPLOADS_PER_CLIENT" in body
        finally:
            for sock in held:
                sock.close()
        assert sample_files(backend) == []


def test_cleanup_keeps_a_sample_a_message_started_using_after_the_cutoff(backend):
    """A message records its references before it is stored: a sample older than the
    grace period, with no live message yet but a reference noted after the cutoff, stays
    (the check and the delete are one step in the store); an old reference does not."""
    store, storage = backend.store, backend.storage
    data = audio_bytes(tone=770)
    sha = hashlib.sha256(data).hexdigest()
    key = f"test/samples/{sha}.wav"
    storage.put(key, io.BytesIO(data), len(data), "audio/wav")
    record = {"sha256": sha, "key": key, "format": "wav", "size_bytes": len(data),
              "duration": 0.25, "created_at": "2000-01-01T00:00:00.000Z"}  # fmt: skip
    store.record_sample(record)
    store.add_sample_refs("being-created", [sha], "2999-01-01T00:00:00.000Z")
    lines: list[str] = []
    kept = cleanup_samples(store, storage, "test/samples/", older_than=timedelta(hours=1),
                           out=lines.append)  # fmt: skip
    assert kept.removed == 0 and store.get_sample(sha) is not None
    assert store.delete_sample(sha, unless_referenced_since="2026-06-01T00:00:00.000Z") is False

    store.delete_sample(sha)
    store.record_sample(record)
    store.add_sample_refs("never-created", [sha], "2000-01-02T00:00:00.000Z")
    gone = cleanup_samples(store, storage, "test/samples/", older_than=timedelta(hours=1),
                           out=lines.append)  # fmt: skip
    assert gone.removed == 1 and store.get_sample(sha) is None


def test_a_private_sample_cannot_be_taken_by_naming_its_hash(live_backend):
    """Eve learns the hash of a private thread's sample (no bytes): naming it in a message
    of her own thread is refused as for a missing sample, so it is never served to her nor
    to her thread; once she uploads the same bytes (she has them) she may use them."""
    backend, url = live_backend
    tokens = {n: add_user(backend.store, n) for n in ("alice", "bob", "eve")}
    alice, eve = Client(url, tokens["alice"]), Client(url, tokens["eve"])
    secret = alice.http.post(
        f"{url}/api/v1/threads",
        json={"token": tokens["alice"], "name": "Secret", "private": True, "users": ["bob"]},
    ).json()
    data = audio_bytes(tone=770)
    sha = upload_sample(alice, data).json()["sha256"]
    made = alice.create_message(secret["id"], user_id="alice", snapshot=snapshot_with(sha))
    assert made.status_code == 201, made.text
    mine = eve.create_thread("Eve's")
    taken = eve.create_message(mine["id"], user_id="eve", snapshot=snapshot_with(sha))
    assert taken.status_code == 422 and "upload the sample first" in taken.json()["detail"]
    assert get_sample(eve, sha).status_code == 404
    assert upload_sample(eve, data).status_code == 200
    used = eve.create_message(mine["id"], user_id="eve", snapshot=snapshot_with(sha))
    assert used.status_code == 201, used.text
    got = get_sample(eve, sha)
    assert got.status_code == 200 and requests.get(got.json()["url"]).content == data
