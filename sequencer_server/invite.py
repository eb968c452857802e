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
from urllib.parse import SplitResult, parse_qs, urlencode, urlsplit

SCHEME = "sequencer"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# What a token can be: it goes into an ``Authorization`` header, so visible ASCII only (a
# line break there would add a header of the invite writer's choosing; a space or a bidi
# override would hide what is pasted). Users' tokens are URL-safe base64.
_TOKEN = re.compile(r"[!-~]{1,512}")
# A host name, IPv4 address or bracketed IPv6 literal: nothing that changes the request.
_HOST = re.compile(r"[A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


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
    if not _TOKEN.fullmatch(token):
        raise InviteError(
            "the invite's token has characters no token has (spaces, line breaks or "
            "non-ASCII); ask for a new invite"
        )
    target = _server_url(url)
    if fp is not None and target.scheme != "https":
        raise InviteError("the invite pins a certificate for a server that is not HTTPS")
    return Invite(url.rstrip("/"), token, normalise_fingerprint(fp) if fp else None)


def _server_url(url: str) -> SplitResult:
    """The server's address, refused unless it is only that: an http(s) URL with a host
    (and port, and a path when the server sits under one). A user name and password, a
    query or a fragment would ride along on every request the app makes, or change what
    it reaches, so an invite has none of them."""
    target = urlsplit(url)  # which drops tabs and line breaks: judged on ``url`` below
    if target.scheme not in ("http", "https") or not target.netloc:
        raise InviteError(f"the invite's server address {url[:80]!r} is not an http(s) URL")
    try:
        target.port  # noqa: B018  # raises for a port that is no number 0-65535
    except ValueError:
        raise InviteError(f"the invite's server address {url[:80]!r} has no valid port") from None
    host = target.netloc.rsplit(":", 1)[0] if not target.netloc.endswith("]") else target.netloc
    if "@" in target.netloc or target.query or target.fragment or "?" in url or "#" in url:
        raise InviteError(
            f"the invite's server address {url[:80]!r} carries more than a server's address "
            "(a user name, a query or a fragment)"
        )
    if not _HOST.fullmatch(host) or not all("!" <= c <= "~" for c in url):
        raise InviteError(f"the invite's server address {url[:80]!r} has an unusable host name")
    return target
