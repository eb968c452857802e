"""The desktop's API client against the real server speaking HTTPS with its self-signed
certificate (``sequencer-server --tls-self-signed`` in a subprocess): the pinned
certificate is accepted for API calls and downloads, any other is refused clearly."""

from __future__ import annotations

import pytest

from desktop_app.services.api import ApiClient, CertificateError
from sequencer_server.invite import parse_invite
from tests.conftest import TOKEN
from tests.server.test_user_commands import cli, server


@pytest.fixture
def tls_server(tmp_path):
    with server(tmp_path, "--tls-self-signed", token=TOKEN) as ready:
        yield ready


def test_pinned_certificate_is_the_only_one_accepted(tls_server, tmp_path):
    url, fingerprint = tls_server["url"], tls_server["fingerprint"]
    invite = parse_invite(cli(tmp_path, "invite", "cleo", "--url", url).stdout.split()[-1])
    pinned = ApiClient(url, invite.token, fingerprint=invite.fingerprint, timeout=10)
    try:
        assert pinned.me() == {"name": "cleo", "admin": False, "service": False}
        dest = pinned.download(f"{url}/healthz", tmp_path / "dl" / "health.json")
        assert dest.read_bytes().startswith(b"{")
    finally:
        pinned.close()

    wrong = ApiClient(url, invite.token, fingerprint="0" * 64, timeout=10)
    try:
        with pytest.raises(CertificateError) as refused:
            wrong.me()
        assert "different certificate" in refused.value.detail
        with pytest.raises(CertificateError):
            wrong.download(f"{url}/healthz", tmp_path / "dl" / "never.json")
        assert not (tmp_path / "dl" / "never.json").exists()
    finally:
        wrong.close()
        del refused
    assert fingerprint == invite.fingerprint


def test_unpinned_client_does_not_trust_the_self_signed_certificate(tls_server):
    plain = ApiClient(tls_server["url"], TOKEN, timeout=10)
    try:
        with pytest.raises(CertificateError) as refused:
            plain.me()
        assert "does not trust" in refused.value.detail
    finally:
        plain.close()
        del refused
