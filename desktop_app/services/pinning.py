"""Certificate pinning for a bandmate's server that speaks HTTPS with a self-signed
certificate: no certificate authority vouches for a laptop on the band's network, so the
invite carries the certificate's SHA-256 and the client accepts that certificate and no
other. CA verification is switched off only on an adapter that checks the pin instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter


class CertificateMismatch(requests.exceptions.SSLError):
    """The server showed a certificate other than the pinned one."""


class PinnedAdapter(HTTPAdapter):
    """Connections whose peer certificate must hash (SHA-256, DER) to ``fingerprint``."""

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        # urllib3 compares the peer's DER certificate with this digest after the handshake.
        pool_kwargs["assert_fingerprint"] = self.fingerprint
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["verify"] = False  # the pin replaces the CA chain, which cannot vouch here
        try:
            return super().send(request, **kwargs)
        except requests.exceptions.SSLError as exc:
            if "ingerprint" in str(exc):
                raise CertificateMismatch(str(exc), request=request) from exc
            raise


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def pin(session: requests.Session, base_url: str, fingerprint: str | None) -> None:
    """Requests to ``base_url``'s origin accept only the pinned certificate (nothing to do
    without a pin or for plain HTTP)."""
    if fingerprint and base_url.startswith("https://"):
        session.mount(origin(base_url), PinnedAdapter(fingerprint))
