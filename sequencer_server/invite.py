"""The invite string a server admin hands to a bandmate, and its parser.

Format: ``sequencer://join?url=<server URL>&token=<token>[&fp=<SHA-256 of the server's
certificate, 64 hex digits>]``, each value percent-encoded. ``fp`` is there when the
server speaks HTTPS with a self-signed certificate: the client pins it instead of asking
a certificate authority. Pure functions on strings, so the desktop app can import this
module without the rest of the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

SCHEME = "sequencer"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class InviteError(ValueError):
    """The text is not an invite this program understands; the message says why."""


@dataclass(frozen=True)
class Invite:
    url: str
    token: str
    fingerprint: str | None = None  # lowercase hex, no colons


def normalise_fingerprint(text: str) -> str:
    """``AB:CD:…`` or ``abcd…`` → 64 lowercase hex digits."""
    value = text.replace(":", "").strip().lower()
    if not _HEX64.match(value):
        raise InviteError("the certificate fingerprint is not a SHA-256 (64 hex digits)")
    return value


def format_invite(invite: Invite) -> str:
    params = {"url": invite.url, "token": invite.token}
    if invite.fingerprint:
        params["fp"] = normalise_fingerprint(invite.fingerprint)
    return f"{SCHEME}://join?{urlencode(params)}"


def parse_invite(text: str) -> Invite:
    parts = urlsplit(text.strip())
    if parts.scheme != SCHEME or parts.netloc != "join":
        raise InviteError("an invite starts with 'sequencer://join?'")
    query = parse_qs(parts.query, keep_blank_values=True)

    def one(name: str) -> str | None:
        values = query.get(name)
        if values is None:
            return None
        if len(values) != 1 or not values[0]:
            raise InviteError(f"the invite's {name!r} must appear once, not empty")
        return values[0]

    url, token, fp = one("url"), one("token"), one("fp")
    if not url or not token:
        raise InviteError("the invite lacks the server's url or the token")
    target = urlsplit(url)
    if target.scheme not in ("http", "https") or not target.netloc:
        raise InviteError(f"the invite's server address {url[:80]!r} is not an http(s) URL")
    if fp is not None and target.scheme != "https":
        raise InviteError("the invite pins a certificate for a server that is not HTTPS")
    return Invite(url.rstrip("/"), token, normalise_fingerprint(fp) if fp else None)
