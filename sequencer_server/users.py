"""Who a token belongs to: a user of the store, or the shared ``API_TOKEN`` (the seed's
service token, with admin rights). Tokens are 256 random bits, kept only as SHA-256
hashes: a stolen database holds nothing a client could send."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sequencer_server.store.users_base import UserStore

SERVICE_NAME = "service"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@\-]{0,63}$")
# last_seen is a write per request otherwise; a minute is precise enough for a list.
TOUCH_EVERY_S = 60.0


@dataclass(frozen=True)
class User:
    name: str
    admin: bool
    service: bool = False


class UserError(ValueError):
    """A user command that cannot be done (bad name, unknown user, name taken)."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.match(name) or name == SERVICE_NAME:
        raise UserError(
            f"{name!r} is not a usable user name: 1-64 letters, digits, spaces or ._@- "
            f"starting with a letter or digit (and not {SERVICE_NAME!r})"
        )
    return name


def add_user(store: UserStore, name: str, *, admin: bool = False) -> str:
    """Create the user and return its first token."""
    name = check_name(name)
    if not store.create_user(name, admin, _now()):
        raise UserError(f"user {name!r} exists; `users token {name}` gives it a new token")
    return issue_token(store, name)


def issue_token(store: UserStore, name: str) -> str:
    """A new token for an existing user; its older tokens keep working until revoked."""
    if store.get_user(name) is None:
        raise UserError(f"no user {name!r}; add it with `users add {name}`")
    token = new_token()
    store.add_token(name, token_hash(token), _now())
    return token


def _as_bytes(token: str) -> bytes | None:
    """None for text no UTF-8 holds (a lone surrogate from a JSON escape): no token."""
    try:
        return token.encode()
    except UnicodeEncodeError:
        return None


class Authenticator:
    """Resolves a supplied token to a :class:`User`, or None when it is no token."""

    def __init__(self, store: UserStore, service_token: str | None) -> None:
        self._store = store
        self._service = service_token.encode() if service_token else None
        self._touched: dict[str, float] = {}

    def identify(self, token: str) -> User | None:
        supplied = _as_bytes(token)
        if supplied is None:
            return None
        if self._service is not None and hmac.compare_digest(supplied, self._service):
            return User(SERVICE_NAME, admin=True, service=True)
        return self.identify_user(token)

    def identify_user(self, token: str) -> User | None:
        """A user's own token only (not the shared ``API_TOKEN``)."""
        if _as_bytes(token) is None:
            return None
        digest = token_hash(token)
        row = self._store.user_for_token(digest)
        if row is None:
            return None
        now = time.monotonic()
        if now - self._touched.get(row["name"], -TOUCH_EVERY_S) >= TOUCH_EVERY_S:
            self._touched[row["name"]] = now
            self._store.touch_user(row["name"], _now())
        return User(row["name"], admin=bool(row["admin"]))
