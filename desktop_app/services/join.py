"""Joining a bandmate's server: the invite (or a URL and token) checked against the
server before anything is stored, so a typo, a dead server or a certificate other than
the invite's leaves the settings as they were."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from desktop_app.services.api import (
    ApiClient,
    ApiError,
    AuthError,
    CertificateError,
    NotFoundError,
    TransientApiError,
)
from sequencer_server.invite import Invite, InviteError, format_invite, parse_invite


class JoinError(Exception):
    """Why the server was not joined, as a sentence for the dialog."""


@dataclass(frozen=True)
class Joined:
    """A server that answered and knows the token; ``name`` is whom the token belongs to
    (empty: a shared token or a server without /me)."""

    url: str
    token: str
    fingerprint: str
    name: str


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_invite(text: str, url: str = "", token: str = "") -> Invite:
    """The invite string, or else the URL and token typed separately."""
    text, url, token = text.strip(), url.strip().rstrip("/"), token.strip()
    try:
        if text:
            invite = parse_invite(text)
        elif url and token:
            invite = parse_invite(format_invite(Invite(url, token)))
        else:
            raise JoinError("Paste the invite your bandmate sent, or type a server URL and token.")
    except InviteError as exc:
        raise JoinError(f"This is not an invite: {exc}.") from exc
    if invite.url.startswith("http://") and not is_loopback(invite.url):
        raise JoinError(
            "The invite points at a server over plain http:// on another computer: your token "
            "would cross the network readable by anyone. Ask for an https:// invite."
        )
    return invite


def check(invite: Invite, timeout: float = 10.0) -> Joined:
    """Asks the server (``/healthz``, then ``/api/v1/me``); blocking, for a worker."""
    api = ApiClient(invite.url, invite.token, fingerprint=invite.fingerprint, timeout=timeout)
    try:
        api.health()
        try:
            me = api.me()
        except NotFoundError:  # a server from before per-user tokens
            me = {}
    except CertificateError as exc:
        raise JoinError(exc.detail) from exc
    except AuthError as exc:
        raise JoinError(
            f"The server at {invite.url} does not accept this token (revoked or mistyped)."
        ) from exc
    except TransientApiError as exc:
        raise JoinError(
            f"No Sequencer server answers at {invite.url}: is it running, and is this "
            f"computer on the same network? ({exc.detail})"
        ) from exc
    except ApiError as exc:
        raise JoinError(f"The server at {invite.url} refused: {exc.detail}") from exc
    finally:
        api.close()
    name = me.get("name") if isinstance(me, dict) and not me.get("service") else None
    return Joined(invite.url, invite.token, invite.fingerprint or "", name or "")
