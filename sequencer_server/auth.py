"""The API token, accepted the seed's ways (form field, JSON field, query parameter) and as
``Authorization: Bearer``; compared in constant time and never logged."""

from __future__ import annotations

import logging

from fastapi import HTTPException, Request

from sequencer_server.auth_failures import FailureLimiter
from sequencer_server.users import Authenticator, User

log = logging.getLogger("sequencer_server.auth")


class Credentials:
    """The tokens a request carries outside its body; the body's own ``token`` field is
    handed to :meth:`require` by the route that parsed it. ``require`` answers who the
    token belongs to, and counts failures per client address (429 once too many)."""

    def __init__(
        self,
        authenticator: Authenticator,
        limiter: FailureLimiter,
        address: str,
        header: str | None,
        query: str | None,
    ) -> None:
        self._authenticator = authenticator
        self._limiter = limiter
        self._address = address
        self._known: dict[str, User] = {}
        self.header = header
        self.query = query

    @property
    def vouched(self) -> bool:
        """Whether a token of this request has been checked and found good."""
        return bool(self._known)

    def require(self, body_token: str | None = None, why_missing: str | None = None) -> User:
        """``why_missing``: said with a 401 for no token at all (e.g. the body that would
        have carried it could not be read)."""
        supplied = self.header or body_token or self.query
        if supplied and supplied in self._known:
            return self._known[supplied]
        wait = self._limiter.retry_after(self._address)
        if wait is not None:
            # Only what can be guessed is shut out: a user's token is 256 random bits, so
            # hearing whether one is valid helps no guesser, while shutting it out would
            # let one wrong client (a revoked token's app retrying) lock out everyone
            # behind the same address. The shared API_TOKEN is chosen by a person.
            user = self._authenticator.identify_user(supplied) if supplied else None
            if user is not None:
                self._known[supplied] = user  # type: ignore[index]  # supplied is set
                return user
            raise HTTPException(
                status_code=429,
                detail=f"Too many failed token checks from this address; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        if not supplied:
            detail = (
                "Missing API token: send it as the 'token' field or parameter, "
                "or as 'Authorization: Bearer <token>'"
            )
            raise HTTPException(
                status_code=401,
                detail=f"{detail} ({why_missing})" if why_missing else detail,
                headers={"WWW-Authenticate": "Bearer"},
            )
        user = self._authenticator.identify(supplied)
        if user is None:
            self._limiter.failed(self._address)
            log.warning("🔒 Invalid API token from %s", self._address)
            raise HTTPException(
                status_code=401,
                detail="Invalid API token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        self._known[supplied] = user
        return user


def credentials_from(
    request: Request, authenticator: Authenticator, limiter: FailureLimiter
) -> Credentials:
    header = request.headers.get("authorization", "")
    bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
    address = request.client.host if request.client else "unknown"
    query = request.query_params.get("token") or None
    return Credentials(authenticator, limiter, address, bearer or None, query)


CREDENTIALS_KEY = "credentials"


def credentials_of(request: Request) -> Credentials:
    """The request's credentials, made once per request: whoever checks the token first
    (the JSON route before reading the body, or the auth dependency) leaves the verdict
    for the others, so a token is looked up, and a failure counted, once."""
    known = getattr(request.state, CREDENTIALS_KEY, None)
    if isinstance(known, Credentials):
        return known
    state = request.app.state
    credentials = credentials_from(request, state.authenticator, state.auth_failures)
    setattr(request.state, CREDENTIALS_KEY, credentials)
    return credentials
