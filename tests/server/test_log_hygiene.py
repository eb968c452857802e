"""The server's log holds no token, no signature and no line a client wrote: run the real
``sequencer-server`` with its log in a file, as the desktop app's ``server.log`` is."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

import requests

from sequencer_server.log_redaction import install_log_redaction, scrub
from sequencer_server.store.sqlite import SQLiteStore
from sequencer_server.users import add_user, new_token
from tests.conftest import TOKEN
from tests.server.helpers import Client, server_process

FORGED = "2026-12-01 23:00:00,000 INFO sequencer_server.auth: admin ada logged in from 1.2.3.4"


def _log_of_a_session(tmp_path: Path, requests_to_make) -> tuple[str, dict[str, str]]:
    """Everything the server wrote (stderr and the access log on stdout) while
    ``requests_to_make(url, tokens)`` ran; with users bob and cleo."""
    data = tmp_path / "data"
    data.mkdir()
    store = SQLiteStore(data / "sequencer.sqlite3")
    tokens = {name: add_user(store, name) for name in ("bob", "cleo")}
    store.close()
    log_path = tmp_path / "server.log"
    with (
        log_path.open("w") as log_file,
        server_process(data, "--log-level", "info", stderr=log_file) as server,
    ):
        requests_to_make(server.url, tokens)
        server.proc.terminate()
        server.proc.wait(timeout=20)
        assert server.proc.stdout is not None
        access = server.proc.stdout.read()
    return log_path.read_text() + access, tokens


def test_a_client_cannot_write_a_line_or_an_escape_into_the_log(tmp_path):
    def attack(url: str, tokens: dict[str, str]) -> None:
        injected = quote("\n" + FORGED, safe=":,") + "%1b%5b2K%00%e2%80%ae"
        requests.get(f"{url}/api/v1/me?token=x&a={injected}", timeout=10)
        requests.get(f"{url}/api/v1/me?a=%0a%0d{quote(FORGED)}", params={"token": TOKEN})

    text, _tokens = _log_of_a_session(tmp_path, attack)
    lines = text.splitlines()
    assert not any(line.startswith("2026-12-01 23:00:00,000") for line in lines), text
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text
    assert "\r" not in text
    assert any("\\n2026-12-01" in line and "\\x1b[2K" in line for line in lines), text


def test_user_tokens_and_signatures_are_masked_wherever_they_appear(tmp_path):
    seen: dict[str, str] = {}

    def requests_with_tokens(url: str, tokens: dict[str, str]) -> None:
        bob = tokens["bob"]
        requests.get(f"{url}/api/v1/{bob}/me", timeout=10)
        requests.get(f"{url}/api/v1/me;token={bob}", timeout=10)
        requests.get(f"{url}/api/v1/me?token=%20{bob}", timeout=10)
        requests.get(f"{url}/api/v1/me?token=%20{quote(tokens['cleo'], safe='')}", timeout=10)
        requests.get(f"{url}/api/v1/me?x=1&%74oken={bob}", timeout=10)
        admin = Client(url)
        thread = admin.http.post(
            f"{url}/api/v1/threads",
            json={"token": TOKEN, "name": "Secret", "private": True, "users": ["bob"]},
        ).json()
        c = Client(url, bob)
        message = c.create_message(thread["id"], user_id="bob").json()
        render = c.upload().json()
        assert c.attach(message["id"], render).status_code == 200
        signed = c.http.get(f"{url}/api/v1/messages/{message['id']}", params={"token": bob})
        media_url = signed.json()["renders"][0]["url"]
        assert "sig=" in media_url
        assert requests.get(media_url, timeout=10).status_code == 200
        seen["sig"] = media_url.split("sig=")[1].split("&")[0]

    text, tokens = _log_of_a_session(tmp_path, requests_with_tokens)
    assert "GET /api/v1/***/me" in text
    assert "/me;token=***" in text and "/me?token=***" in text
    for secret in (*tokens.values(), TOKEN, seen["sig"]):
        assert secret not in text
        assert secret[:20] not in text and secret[-20:] not in text
    assert "sig=***" in text


def test_scrub_keeps_innocent_text():
    key = "test/samples/" + "ab" * 32 + ".wav"  # a sample's sha256 is no token
    line = f'127.0.0.1:5 - "GET /media/{key}?exp=1700000000 HTTP/1.1" 200'
    assert scrub(line) == line
    assert scrub("ünïcödé\ttab") == "ünïcödé\\ttab"


def _logged_with_traceback(exc: BaseException) -> str:
    """What the server's logger writes for ``exc`` through a plain formatter, redaction
    installed as the server installs it."""
    import io
    import logging

    install_log_redaction([TOKEN])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("sequencer_server.test_traceback")
    log.addHandler(handler)
    try:
        try:
            raise exc
        except BaseException:
            log.exception("Unhandled error on %s", "POST /api/v1/messages")
    finally:
        log.removeHandler(handler)
    return out.getvalue()


def test_a_traceback_cannot_forge_a_line_or_show_a_token():
    user_token = new_token()
    try:
        raise KeyError(f"cause with {user_token}\u202e")
    except KeyError as cause:
        outer = ValueError(f"bad name 'x\n{FORGED}\x1b[2K' from token={TOKEN}")
        outer.__cause__ = cause
    text = _logged_with_traceback(outer)
    assert "Traceback (most recent call last):" in text and "direct cause" in text
    assert not any(line.startswith("2026-12-01 23:00:00,000") for line in text.splitlines())
    assert "\\n" + FORGED in text and "\\x1b[2K" in text and "\\u202e" in text
    assert "\x1b" not in text and "\u202e" not in text
    assert TOKEN not in text and user_token not in text
    assert "raise exc" in text  # the frames are still there, one per line


def test_ids_are_not_taken_for_tokens():
    ids = [
        uuid.uuid4().hex + "abcdef01234",  # 43 hex digits: no capital
        "sequencer-band-2026-summer-session-thread-1",  # 43, small letters only
        "A" * 42 + "B",  # ends in a character a token cannot end in
    ]
    for thread_id in ids:
        assert len(thread_id) == 43
        line = f"📎 Attached render r1 to message {thread_id}"
        assert scrub(line) == line
    tokens = [new_token() for _ in range(2000)]
    assert all(scrub(f"GET /api/v1/{t}/me") == "GET /api/v1/***/me" for t in tokens)
