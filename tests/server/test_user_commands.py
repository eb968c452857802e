"""``sequencer-server users …``, ``invite`` and ``--tls-self-signed``, run as the real
command in subprocesses against a data folder, then used against the real server."""

from __future__ import annotations

import hashlib
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from sequencer_server.invite import Invite, InviteError, format_invite, parse_invite
from tests.conftest import TOKEN
from tests.server.helpers import server_env, server_process


def cli(data_dir: Path, *args: str, token: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sequencer_server", *args, "--data-dir", str(data_dir)],
        env=server_env(token),
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextmanager
def server(data_dir: Path, *extra: str, token: str | None = None) -> Iterator[dict]:
    with server_process(data_dir, *extra, env=server_env(token)) as running:
        yield running.ready


def _me(url: str, token: str, **kw) -> requests.Response:
    """Read and closed at once: a TLS connection left open would make the server's
    shutdown wait for the client's close_notify (asyncio's SSL shutdown timeout)."""
    with requests.get(f"{url}/api/v1/me", params={"token": token}, timeout=10, **kw) as r:
        r.content  # noqa: B018 - read before closing
    return r


def _refused_without_pinning(invite: Invite) -> bool:
    """No CA vouches for the certificate, so clients must pin it. Caught here rather than
    by pytest.raises, whose kept traceback would hold the half-open TLS socket and make
    the server's shutdown wait for it (asyncio's SSL shutdown timeout)."""
    try:
        _me(invite.url, invite.token)
    except requests.exceptions.SSLError:
        return True
    return False


def test_users_add_list_token_revoke(tmp_path):
    added = cli(tmp_path, "users", "add", "Ada", "--admin")
    assert added.returncode == 0, added.stderr
    ada = added.stdout.strip().splitlines()[-1]
    bob = cli(tmp_path, "users", "add", "bob").stdout.strip().splitlines()[-1]
    assert len(ada) >= 43 and ada != bob  # 256 random bits, url-safe base64
    again = cli(tmp_path, "users", "add", "bob")
    assert again.returncode == 1 and "exists" in again.stderr

    with server(tmp_path) as ready:  # no API_TOKEN: the users are the way in
        url = ready["url"]
        assert _me(url, ada).json() == {"name": "Ada", "admin": True, "service": False}
        assert _me(url, bob).json()["admin"] is False
        new = cli(tmp_path, "users", "token", "bob").stdout.strip().splitlines()[-1]
        assert _me(url, new).status_code == 200 and _me(url, bob).status_code == 200
        listing = cli(tmp_path, "users", "list")
        assert listing.returncode == 0
        assert ada not in listing.stdout and bob not in listing.stdout and new not in listing.stdout
        rows = {line.split()[0]: line.split() for line in listing.stdout.splitlines()[1:]}
        assert rows["Ada"][1] == "admin" and rows["bob"][1] == "user"
        assert rows["Ada"][3] != "never"  # seen by the server just now

        revoked = cli(tmp_path, "users", "revoke", "bob")
        assert revoked.returncode == 0
        assert _me(url, bob).status_code == 401 and _me(url, new).status_code == 401
        assert "revoked" in cli(tmp_path, "users", "list").stdout
    assert cli(tmp_path, "users", "revoke", "nobody").returncode == 1
    assert cli(tmp_path, "users", "token", "nobody").returncode == 1

    stored = (tmp_path / "sequencer.sqlite3").read_bytes()
    assert (
        ada.encode() not in stored and hashlib.sha256(ada.encode()).hexdigest().encode() in stored
    )


def test_server_refuses_to_start_without_token_or_users(tmp_path):
    refused = subprocess.run(
        [sys.executable, "-m", "sequencer_server", "--port", "0", "--data-dir", str(tmp_path)],
        env=server_env(None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "users add NAME" in refused.stderr and "API_TOKEN" in refused.stderr


def test_https_with_a_pinned_self_signed_certificate_and_an_invite(tmp_path):
    with server(tmp_path, "--tls-self-signed", token=TOKEN) as ready:
        url, fingerprint = ready["url"], ready["fingerprint"]
        assert url.startswith("https://127.0.0.1:")
        host, port = url.removeprefix("https://").split(":")
        pem = ssl.get_server_certificate((host, int(port)))
        assert hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest() == fingerprint

        made = cli(tmp_path, "invite", "cleo", "--url", url)
        assert made.returncode == 0, made.stderr
        invite = parse_invite(made.stdout.strip().splitlines()[-1])
        assert invite.url == url and invite.fingerprint == fingerprint
        cert = str(tmp_path / "tls-cert.pem")
        answer = _me(invite.url, invite.token, verify=cert)
        assert answer.json() == {"name": "cleo", "admin": False, "service": False}
        assert _refused_without_pinning(invite)

        # an existing user gets a new token; the first keeps working
        second = parse_invite(cli(tmp_path, "invite", "cleo", "--url", url).stdout.split()[-1])
        assert second.token != invite.token
        for token in (invite.token, second.token):
            assert _me(url, token, verify=cert).status_code == 200

    # restarting keeps the certificate, so invites already sent stay valid
    with server(tmp_path, "--tls-self-signed", token=TOKEN) as again:
        assert again["fingerprint"] == fingerprint


def test_invite_over_plain_http_has_no_fingerprint(tmp_path):
    made = cli(tmp_path, "invite", "dee", "--url", "http://192.168.1.20:8000/")
    invite = parse_invite(made.stdout.strip().splitlines()[-1])
    assert invite.url == "http://192.168.1.20:8000" and invite.fingerprint is None


def test_invite_format_round_trip_and_refusals():
    fp = "ab" * 32
    text = format_invite(Invite("https://10.0.0.2:8000", "t&k=n", fp.upper()))
    assert text.startswith("sequencer://join?url=https%3A%2F%2F10.0.0.2%3A8000&token=")
    assert parse_invite(text) == Invite("https://10.0.0.2:8000", "t&k=n", fp)
    colon = ":".join(fp[i : i + 2] for i in range(0, 64, 2))
    assert parse_invite(f"sequencer://join?url=https://h:1&token=t&fp={colon}").fingerprint == fp
    for url in ["https://[::1]:8000", "http://band.example.org/sequencer", "https://10.0.0.2"]:
        assert parse_invite(format_invite(Invite(url, "Tok-en_1~+/="))).url == url
    for bad, words in [
        ("https://h/?token=t", "sequencer://join"),
        ("sequencer://join?url=https://h:1", "lacks"),
        ("sequencer://join?url=ftp://h&token=t", "not an http"),
        ("sequencer://join?url=https://h&token=t&fp=abc", "SHA-256"),
        ("sequencer://join?url=http://h&token=t&fp=" + fp, "not HTTPS"),
        ("sequencer://join?url=https://h&token=t&token=u", "once"),
        # what would ride along on every request, or hide what the user pasted
        ("sequencer://join?url=https://h&token=t%0d%0aX-Evil:%201", "characters no token"),
        ("sequencer://join?url=https://h&token=t%0a", "characters no token"),
        ("sequencer://join?url=https://h&token=%e2%80%aet", "characters no token"),
        ("sequencer://join?url=https://h&token=a%20b", "characters no token"),
        ("sequencer://join?url=https://u:p@h&token=t", "more than a server"),
        ("sequencer://join?url=https://h/%3Fx%3D1&token=t", "more than a server"),
        ("sequencer://join?url=https://h%23x&token=t", "more than a server"),
        ("sequencer://join?url=https://h:99999&token=t", "no valid port"),
        ("sequencer://join?url=https://h%0ax:1&token=t", "unusable host"),
        ("sequencer://join?url=https://h%e2%80%ae:1&token=t", "unusable host"),
    ]:
        with pytest.raises(InviteError, match=words):
            parse_invite(bad)
