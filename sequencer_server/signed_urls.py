"""Expiring signed ``/media`` URLs for the renders of private threads: HMAC-SHA256 over
the key and the expiry time with a server secret (``SIGNING_KEY``, or a random key made
once and kept in the data folder so every worker and every restart agrees on it)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

KEY_FILE = "signing.key"


class UrlSigner:
    def __init__(self, secret: bytes, ttl_s: int) -> None:
        self._secret = secret
        self.ttl_s = ttl_s

    def _sig(self, key: str, exp: int) -> str:
        return hmac.new(self._secret, f"{key}\n{exp}".encode(), hashlib.sha256).hexdigest()

    def query(self, key: str, now: float | None = None) -> str:
        exp = int((time.time() if now is None else now) + self.ttl_s)
        return urlencode({"exp": exp, "sig": self._sig(key, exp)})

    def valid(self, key: str, exp: str, sig: str, now: float | None = None) -> bool:
        """The signature is the server's and has not expired."""
        try:
            expires = int(exp)
        except ValueError:
            return False
        if expires < (time.time() if now is None else now):
            return False
        return hmac.compare_digest(self._sig(key, expires), sig)


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """``SIGNING_KEY`` when set; else the data folder's key, made on first use (created
    exclusively, so two workers starting together end up reading the same one)."""
    if configured:
        return configured.encode()
    path = data_dir / KEY_FILE
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # private_files
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the other process may not have written it yet
            text = path.read_text(encoding="ascii").strip()
            if text:
                return text.encode()
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty; delete it to make a new signing key") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode()
