"""Who the token is: the author every message goes out under.

On a server with accounts the token decides who you are (the server refuses a message
whose ``user_id`` is anyone else), so a name typed in Settings, or one stamped on a
message queued while the server was away, must never reach it. Only a shared (service)
token — the embedded server's, or a seed server's — leaves the name free, and a server
without ``/me`` cannot say, so there too the message keeps the name it was written under.

The server's answer is remembered per server and token (``AppPaths.identity_for``), so a
start without a network already knows who you are there instead of falling back to the
name in Settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

from desktop_app.services.api import AuthError, PermanentApiError
from sequencer_common.atomic import atomic_path

log = logging.getLogger(__name__)


class MeSource(Protocol):
    """The part of ``ApiClient`` that says who the token is."""

    @property
    def token(self) -> str: ...
    def me(self) -> dict[str, Any]: ...


def _token_tag(token: str) -> str:
    # Never the token itself on disk beside the outbox: a hash only tells them apart.
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def remember(file: Path | None, token: str, name: str) -> None:
    """Keep the server's name for ``token`` (``""``: a token whose name is free)."""
    if file is None:
        return
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(file) as tmp:
            tmp.write_text(json.dumps({"token": _token_tag(token), "name": name}))
    except OSError as exc:  # best effort: the next start asks the server again
        log.info("could not remember who the token is in %s: %s", file, exc)


def remembered(file: Path | None, token: str) -> str:
    """The name the server last gave ``token``, ``""`` when unknown or free."""
    if file is None:
        return ""
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError):
        return ""
    if not isinstance(data, dict) or data.get("token") != _token_tag(token):
        return ""
    name = data.get("name")
    return name if isinstance(name, str) else ""


def name_from_me(me: object) -> str:
    """The account's name from a ``/me`` answer; ``""`` for a shared token."""
    if not isinstance(me, dict) or me.get("service"):
        return ""
    name = me.get("name")
    return name if isinstance(name, str) else ""


class TokenIdentity:
    """The author for a message about to be created: asked of the server once (on the
    delivery worker, so blocking is fine) and kept for the rest of the session.
    Thread-safe: the upload pool has more than one worker."""

    def __init__(self, api: MeSource, known: str = "", file: Path | None = None) -> None:
        """``known``: the name the connection already learned (``/me`` at connect)."""
        self._api = api
        self._file = file
        self._lock = threading.Lock()
        self._answer: str | None = known or None  # None: not asked yet; "": the name is free

    def author(self, written_as: str) -> str:
        """Who a message written as ``written_as`` goes out as. Raises the transient
        ``ApiError`` of a server that cannot answer now (the delivery retries later) and
        ``AuthError`` for a refused token."""
        with self._lock:
            if self._answer is None:
                self._answer = self._ask()
            return self._answer or written_as

    def learn(self) -> str:
        """Ask the server now unless it was asked (``""``: the name is free); raises as
        ``author`` does."""
        return self.author("")

    def _ask(self) -> str:
        try:
            me = self._api.me()
        except AuthError:
            raise
        except PermanentApiError as exc:  # no /me (a seed server): it cannot say
            log.info("the server did not say who this token is: %s", exc)
            return ""
        name = name_from_me(me)
        remember(self._file, self._api.token, name)
        return name
