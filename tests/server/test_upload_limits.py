"""Uploads: a wrong token costs the server no upload body, form fields are bounded, and the
uploads in flight per client are capped."""

from __future__ import annotations

import time

from tests.conftest import TOKEN
from tests.server import raw_http as raw
from tests.server.helpers import mp3_bytes
from tests.server.limit_checks import detail, stored_renders

# Uploads: the token before the body, and uploads in flight per client ------------------


def test_wrong_bearer_is_refused_before_the_upload_body_is_read(served):
    backend, c = served
    head = raw.upload_head(60 * 1024 * 1024, "wrong")
    with raw.open_request(c.url, head, raw.FILE_PART_HEAD + mp3_bytes()) as sock:
        status, _headers, _ = raw.read_response(sock)
    assert status == 401
    assert stored_renders(backend) == []


def test_wrong_token_field_is_refused_before_the_file_is_read(served):
    backend, c = served
    head = raw.upload_head(60 * 1024 * 1024, None)
    start = raw.form_part("format", "mp3") + raw.form_part("token", "wrong") + raw.FILE_PART_HEAD
    with raw.open_request(c.url, head, start + mp3_bytes()) as sock:
        status, _headers, body = raw.read_response(sock)
    assert status == 401 and b"Invalid API token" in body
    assert stored_renders(backend) == []


def test_oversized_or_too_many_form_fields_are_400(served):
    backend, c = served
    r = c.upload(peaks="0" * (65 * 1024))
    assert r.status_code == 400 and "Malformed multipart body" in detail(r)
    many = b"".join(raw.form_part(f"f{i}", "x") for i in range(20))
    body = many + raw.FILE_PART_HEAD + mp3_bytes() + f"\r\n--{raw.BOUNDARY}--\r\n".encode()
    r = c.http.post(
        f"{c.url}/api/v1/upload/audio",
        data=body,
        headers={"Content-Type": raw.MULTIPART, "Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 400 and "Too many fields" in detail(r)
    assert stored_renders(backend) == []


def _closed_by_server(sock) -> bool:
    """The server hung up: the rest of the body is not even received."""
    sock.settimeout(5)
    try:
        for _ in range(200):  # whatever it still reads of what we send, it then closes
            sock.sendall(b"\0" * 65536)
        return sock.recv(1) == b""
    except (BrokenPipeError, ConnectionResetError):
        return True


def test_a_file_part_before_any_token_is_refused_as_it_begins(served):
    backend, c = served
    head = raw.upload_head(90 * 1024 * 1024, None)  # no Bearer, no query token
    start = raw.form_part("format", "mp3") + raw.FILE_PART_HEAD + mp3_bytes()
    with raw.open_request(c.url, head, start) as sock:
        status, headers, body = raw.read_response(sock)  # the rest is never sent
        assert status == 401 and b"Missing API token" in body
        assert b"send the token field first" in body
        assert headers.get("connection") == "close"
        assert _closed_by_server(sock)
    # a token field after the file is too late
    late = (
        raw.FILE_PART_HEAD
        + mp3_bytes()
        + b"\r\n"
        + raw.form_part("token", TOKEN)
        + f"--{raw.BOUNDARY}--\r\n".encode()
    )
    r = c.http.post(
        f"{c.url}/api/v1/upload/audio", data=late, headers={"Content-Type": raw.MULTIPART}
    )
    assert r.status_code == 401, r.text
    assert stored_renders(backend) == []


def test_uploads_in_flight_per_client_are_capped(served):
    backend, c = served
    head = raw.upload_head(10 * 1024 * 1024, TOKEN)
    held = [raw.open_request(c.url, head, raw.FILE_PART_HEAD + mp3_bytes()) for _ in range(4)]
    try:
        time.sleep(0.5)  # the four are inside the route, waiting for the rest of their bodies
        with raw.open_request(c.url, head, raw.FILE_PART_HEAD) as fifth:
            status, headers, body = raw.read_response(fifth)
        assert status == 429 and b"MAX_UPLOADS_PER_CLIENT" in body
        assert int(headers["retry-after"]) > 0
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 5
    while (r := c.upload()).status_code == 429 and time.monotonic() < deadline:
        time.sleep(0.1)  # the server notices the closed connections and frees their slots
    assert r.status_code == 200, r.text
    assert len(stored_renders(backend)) == 1
