"""Identity of data: a message id, an Idempotency-Key and an MP3 each mean one thing."""

from __future__ import annotations

import hashlib
import io

import numpy as np

from sequencer_server.audio_check import looks_like_mp3
from tests.conftest import TOKEN
from tests.server.helpers import Client, mp3_bytes, pattern
from tests.server.test_bad_input import stored_objects


def _get(c: Client, message_id: str) -> dict:
    r = c.http.get(f"{c.url}/api/v1/messages/{message_id}", params={"token": TOKEN})
    assert r.status_code == 200, r.text
    return r.json()


# -- 6. message ids -------------------------------------------------------------------


def test_reused_message_id_with_different_content_is_409_and_attaches_nothing(live_backend):
    _, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    first = c.create_message(thread["id"], id="m-1")
    assert first.status_code == 201
    assert c.create_message(thread["id"], id="m-1").json() == first.json()  # replay

    intruder_render = c.upload().json()
    for change in (
        {"user_id": "mallory"},
        {"snapshot": pattern(bpm=99)},
        {"snapshot_metadata": {"bpm": 99}},
        {"snapshot_metadata": None},
        {"timestamp": "2026-11-24T10:00:01Z"},
        {"user_id": "mallory", "renders": [intruder_render]},
    ):
        r = c.create_message(thread["id"], id="m-1", **change)
        assert r.status_code == 409, (change, r.text)
        assert "already used by a different message" in r.json()["detail"]
    assert _get(c, "m-1")["renders"] == []
    assert _get(c, "m-1") == first.json()
    # the intruder's render is still free to go with its own message
    own = c.create_message(thread["id"], id="m-2", renders=[intruder_render])
    assert own.status_code == 201 and [r["id"] for r in own.json()["renders"]] == [
        intruder_render["id"]
    ]


def test_replay_after_a_render_was_attached_is_the_same_message(live_backend):
    """The desktop outbox replays its create (renders=[]) after attaching; first-run
    replays a create that carried its render. Both are the same message."""
    _, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    render = c.upload().json()
    created = c.create_message(thread["id"], id="m-3", renders=[render])
    assert created.status_code == 201
    for renders in ([], [render]):
        again = c.create_message(thread["id"], id="m-3", renders=renders)
        assert again.status_code == 200, again.text
        assert again.json() == created.json()

    # a create interrupted before its render was attached is finished by its replay
    bare = c.create_message(thread["id"], id="m-4")
    late = c.upload().json()
    done = c.create_message(thread["id"], id="m-4", renders=[late])
    assert bare.status_code == 201 and done.status_code == 200
    assert [r["id"] for r in done.json()["renders"]] == [late["id"]]


def test_replay_without_timestamp_matches_the_server_chosen_one(live_backend):
    _, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    first = c.create_message(thread["id"], id="m-5", timestamp=None)
    again = c.create_message(thread["id"], id="m-5", timestamp=None)
    assert first.status_code == 201 and again.status_code == 200


# -- 7. Idempotency-Key compares content ----------------------------------------------


def _upload_with_key(c: Client, data: bytes, key: str):
    return c.http.post(
        f"{c.url}/api/v1/upload/audio",
        data={"token": TOKEN, "format": "mp3"},
        files={"file": ("take.mp3", data, "audio/mpeg")},
        headers={"Idempotency-Key": key},
    )


def test_idempotency_key_with_a_different_file_of_equal_size_is_409(live_backend):
    backend, url = live_backend
    c = Client(url)
    one = mp3_bytes()
    other = mp3_bytes(seconds=0.5, bitrate=128)[:-64] + bytes(64)  # same size, other bytes
    assert len(one) == len(other) and one != other
    first = _upload_with_key(c, one, "outbox-x")
    assert first.status_code == 200
    second = _upload_with_key(c, other, "outbox-x")
    assert second.status_code == 409, second.text
    assert "different file" in second.json()["detail"]
    assert _upload_with_key(c, one, "outbox-x").json() == first.json()  # a true retry
    record = backend.store.get_upload(first.json()["id"])
    assert record["sha256"] == hashlib.sha256(one).hexdigest()
    assert "sha256" not in first.json()
    assert len(stored_objects(backend)) == 1


def test_upload_records_the_hash_of_a_multipart_s3_upload(tmp_path, moto_endpoint):
    from sequencer_server.threaded import ThreadedServer
    from tests.conftest import make_backend

    backend = make_backend("sqlite-s3", tmp_path, moto_endpoint)
    data = mp3_bytes() * 400  # ~3.5 MB of chained frames
    data = data * 3  # over the 8 MB multipart threshold
    with ThreadedServer(backend.app()) as server:
        r = Client(server.url).upload(data)
    assert r.status_code == 200, r.text
    assert backend.store.get_upload(r.json()["id"])["sha256"] == hashlib.sha256(data).hexdigest()


# -- 8. MP3 check ---------------------------------------------------------------------

HTML = b"<html><script>alert(1)</script></html>" * 50


def test_id3_header_followed_by_html_is_415(live_backend):
    backend, url = live_backend
    c = Client(url)
    for body in (
        b"ID3\x04\x00\x00\x00\x00\x00\x00" + HTML,  # empty ID3 tag, then a web page
        b"ID3" + bytes(7) + HTML,
        bytes([0xFF, 0xFB, 0x90, 0x64]) + HTML,  # one valid frame header, then junk
        mp3_bytes()[:417] + HTML,  # one whole frame, then junk
    ):
        r = c.upload(body)
        assert r.status_code == 415, (body[:12], r.text)
        assert "not an MP3 file" in r.json()["detail"]
    assert stored_objects(backend) == []


def test_real_mp3s_pass(live_backend, tmp_path):
    from desktop_app.audio.mp3 import encode_mp3

    _, url = live_backend
    c = Client(url)
    rate = 44100
    pcm = (np.sin(np.arange(rate // 2) / 10) * 0.2).astype(np.float32)
    recorder_file = tmp_path / "take.mp3"
    encode_mp3(np.stack([pcm, pcm], axis=1), rate, recorder_file, 192)  # Info/LAME tag frame
    tiny = tmp_path / "tiny.mp3"
    encode_mp3(np.zeros((200, 2), np.float32), rate, tiny, 128)
    id3 = b"ID3\x03\x00\x00\x00\x00\x02\x00" + bytes(256)  # a 256-byte tag of padding
    for body in (
        recorder_file.read_bytes(),
        tiny.read_bytes(),
        id3 + mp3_bytes(),
        mp3_bytes() + b"TAG" + bytes(125),  # ID3v1 at the end
        mp3_bytes(seconds=0.05, bitrate=32),
    ):
        r = c.upload(body)
        assert r.status_code == 200, (len(body), r.text)


def test_mp3_check_reads_a_bounded_prefix():
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.read_bytes += len(data)
            return data

    cover_art = bytes(5_000_000)
    size = len(cover_art)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    body = b"ID3\x03\x00\x00" + syncsafe + cover_art + mp3_bytes() * 50
    stream = Counting(body)
    assert looks_like_mp3(stream)
    assert Counting.read_bytes < 128 * 1024
