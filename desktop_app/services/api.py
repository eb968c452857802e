"""The HTTP client of the server's v1 contract.

Blocking and thread-safe (one ``requests.Session`` per thread): the state layer calls it
from worker threads, never from the GUI thread. Failures are sorted into transient
(worth retrying: no connection, timeouts, 5xx, 429, 408) and permanent (the server said no),
because the outbox treats them differently.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests_toolbelt.multipart.encoder import MultipartEncoder, MultipartEncoderMonitor

from desktop_app.domain.draft import MessageDraft, new_message_id
from desktop_app.domain.message import Message, Render, Thread
from desktop_app.domain.sample import Sample, check_sha256
from desktop_app.services.download_source import Progress
from desktop_app.services.pinning import CertificateMismatch, pin
from desktop_app.services.retry_after import retry_after_seconds
from sequencer_common.atomic import atomic_write

CHUNK = 256 * 1024
# Threads asked for per page of GET /api/v1/threads (the most a server answers).
THREAD_PAGE = 1000


class ApiError(Exception):
    """A request that did not succeed; ``detail`` is what to show the user."""

    def __init__(self, status: int | None, detail: str) -> None:
        super().__init__(detail if status is None else f"{detail} (HTTP {status})")
        self.status = status
        self.detail = detail


class TransientApiError(ApiError):
    """Worth retrying later: no connection, a timeout, a 5xx, a 429 or a 408.
    ``retry_after``: the seconds a 429 or 503 asked to wait (its ``Retry-After``)."""

    def __init__(self, status: int | None, detail: str, retry_after: float | None = None) -> None:
        super().__init__(status, detail)
        self.retry_after = retry_after


class PermanentApiError(ApiError):
    """The server refused the request; retrying the same request will not help."""


class AuthError(PermanentApiError):
    """Missing or wrong API token (401)."""


class CertificateError(PermanentApiError):
    """The server's HTTPS certificate is not the one pinned from the invite."""


def certificate_refused(url: str) -> CertificateError:
    return CertificateError(
        None,
        f"The server at {url} showed a different certificate from the one in your invite, "
        "so nothing was sent to it. Ask your bandmate for a new invite.",
    )


class NotFoundError(PermanentApiError):
    """The thread or message does not exist (any more) on the server (404)."""


@dataclass
class MessagePage:
    messages: list[Message] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    cursor: str = "0"
    more: bool = False
    # The cursor predated the deletions the server remembers: this page starts the thread
    # again, and what the new scan does not list was deleted.
    reset: bool = False


def _error_from_response(response: requests.Response) -> ApiError:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if not isinstance(detail, str) or not detail:
        detail = response.reason or "request failed"
    status = response.status_code
    if status == 401:
        return AuthError(status, f"The server refused the API token: {detail}")
    if status == 404:
        return NotFoundError(status, detail)
    # 408: the request came too slowly for the server (a congested uplink), which RFC 9110
    # says may be repeated; 429 and 5xx pass too.
    if status in (408, 429) or status >= 500:
        wait = response.headers.get("Retry-After") if status in (429, 503) else None
        return TransientApiError(status, detail, retry_after_seconds(wait))
    return PermanentApiError(status, detail)


class ApiClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 15.0,
        fingerprint: str | None = None,
    ) -> None:
        """``fingerprint``: the SHA-256 of the server's self-signed certificate (from the
        invite); HTTPS to that server then accepts that certificate and no other."""
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.fingerprint = fingerprint
        self._local = threading.local()

    def __repr__(self) -> str:  # never show the token
        return f"ApiClient({self.base_url!r})"

    # -- plumbing --------------------------------------------------------------------
    @property
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self.token}"
            session.headers["User-Agent"] = "Sequencer-desktop"
            pin(session, self.base_url, self.fingerprint)
            self._local.session = session
        return session

    @property
    def _download_session(self) -> requests.Session:
        """Without the token (render URLs may point at third-party storage), but pinned."""
        session = getattr(self._local, "download_session", None)
        if session is None:
            session = requests.Session()
            pin(session, self.base_url, self.fingerprint)
            self._local.download_session = session
        return session

    def close(self) -> None:
        """Closes this thread's connections (a TLS server waits for them at shutdown)."""
        for name in ("session", "download_session"):
            session = getattr(self._local, name, None)
            if session is not None:
                session.close()
                setattr(self._local, name, None)

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", (5.0, self.timeout))
        try:
            response = self._session.request(method, f"{self.base_url}{path}", **kwargs)
        except CertificateMismatch as exc:
            raise certificate_refused(self.base_url) from exc
        except requests.exceptions.SSLError as exc:
            raise CertificateError(
                None,
                f"The server at {self.base_url} has a certificate this computer does not "
                "trust; join it with an invite that carries the certificate's fingerprint.",
            ) from exc
        except requests.Timeout as exc:
            raise TransientApiError(None, f"The server did not answer in time ({exc})") from exc
        except requests.ConnectionError as exc:
            raise TransientApiError(None, f"Cannot reach the server at {self.base_url}") from exc
        except requests.RequestException as exc:
            raise TransientApiError(None, f"Request failed: {exc}") from exc
        if response.status_code >= 400:
            raise _error_from_response(response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._parsed(self._request(method, path, **kwargs))

    @staticmethod
    def _parsed(response: requests.Response) -> Any:
        try:
            return response.json()
        except (ValueError, RecursionError) as exc:
            raise TransientApiError(
                response.status_code, "The server sent a response that is not JSON"
            ) from exc

    # -- health and threads ----------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._json("GET", "/healthz", timeout=(3.0, 5.0))

    def me(self) -> dict[str, Any]:
        """``{"name", "admin", "service"}``: who the token is."""
        return self._json("GET", "/api/v1/me", timeout=(3.0, 5.0))

    def list_threads(self) -> list[Thread]:
        """Every thread, a page at a time: the server lists at most 1,000 per answer and
        names the next page in ``X-Next-Cursor`` (an older server sends them all at once,
        without it). A cursor seen before ends the walk, so a confused server cannot keep
        the client asking for ever."""
        threads: list[Thread] = []
        params: dict[str, Any] = {"limit": THREAD_PAGE}
        seen: set[str] = set()
        while True:
            response = self._request("GET", "/api/v1/threads", params=params)
            threads += [Thread.from_json(t) for t in self._parsed(response)]
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor or cursor in seen:
                return threads
            seen.add(cursor)
            params = {"limit": THREAD_PAGE, "cursor": cursor}

    def get_thread(self, thread_id: str) -> Thread:
        return Thread.from_json(self._json("GET", f"/api/v1/threads/{thread_id}"))

    def create_thread(
        self, name: str, users: Iterable[str] = (), *, thread_id: str | None = None
    ) -> Thread:
        """``thread_id``: a client-chosen id (a thread made offline); creating it twice
        returns the first one."""
        body: dict[str, Any] = {"name": name, "users": list(users)}
        if thread_id is not None:
            body["id"] = thread_id
        return Thread.from_json(self._json("POST", "/api/v1/threads", json=body))

    def create_private_thread(self, name: str, users: Iterable[str]) -> Thread:
        """Seen by ``users`` only (the server adds the creator); not queued offline."""
        body = {"name": name, "users": list(users), "private": True}
        return Thread.from_json(self._json("POST", "/api/v1/threads", json=body))

    def list_users(self) -> list[str]:
        """The server's user names, to choose a private thread's members from."""
        return [str(name) for name in self._json("GET", "/api/v1/users")]

    def rename_thread(self, thread_id: str, name: str) -> Thread:
        body = {"name": name}
        return Thread.from_json(self._json("PATCH", f"/api/v1/threads/{thread_id}", json=body))

    # -- messages --------------------------------------------------------------------
    def list_messages(
        self, thread_id: str, since: str | None = None, limit: int = 500
    ) -> MessagePage:
        params: dict[str, Any] = {"limit": limit}
        if since:
            params["since"] = since
        data = self._json("GET", f"/api/v1/threads/{thread_id}/messages", params=params)
        return MessagePage(
            messages=[Message.from_json(m) for m in data.get("messages", [])],
            deleted=list(data.get("deleted", [])),
            cursor=str(data.get("cursor", since or "0")),
            more=bool(data.get("more", False)),
            reset=bool(data.get("reset", False)),
        )

    def post_message(self, draft: MessageDraft) -> Message:
        """Create the message under the draft's own id: posting the same draft twice
        returns the first message (the outbox relies on that after a crash)."""
        body: dict[str, Any] = {
            "id": draft.id,
            "parent_thread": draft.thread_id,
            "user_id": draft.user_id,
            "snapshot": draft.snapshot,
            "snapshot_metadata": draft.snapshot_metadata,
            "renders": [r.to_json() for r in draft.renders],
            "timestamp": draft.timestamp,
        }
        # Only what a server without words understands, unless there are words.
        if draft.text:
            body["text"] = draft.text
            if not draft.snapshot:
                del body["snapshot"], body["snapshot_metadata"]
        if draft.reply_to:
            body["reply_to"] = draft.reply_to
        return Message.from_json(self._json("POST", "/api/v1/messages", json=body))

    def create_message(
        self, thread_id: str, user_id: str, snapshot: dict[str, Any], **fields: Any
    ) -> Message:
        """Shorthand for scripts and tests: ``fields`` are ``MessageDraft``'s (``message_id``
        stands for ``id``)."""
        if "message_id" in fields:
            fields["id"] = fields.pop("message_id") or new_message_id()
        if "renders" in fields:
            fields["renders"] = tuple(fields["renders"])
        if fields.get("timestamp") is None:
            fields.pop("timestamp", None)
        return self.post_message(MessageDraft(thread_id, user_id, snapshot, **fields))

    def get_message(self, message_id: str) -> Message:
        return Message.from_json(self._json("GET", f"/api/v1/messages/{message_id}"))

    def attach_render(self, message_id: str, render: Render) -> dict[str, Any]:
        body = {"render": render.to_json()}
        return self._json("POST", f"/api/v1/messages/{message_id}/renders", json=body)

    def delete_message(self, message_id: str) -> dict[str, Any]:
        return self._json("DELETE", f"/api/v1/messages/{message_id}")

    # -- files -----------------------------------------------------------------------
    def upload_audio(
        self,
        path: str | os.PathLike[str],
        *,
        format: str = "mp3",
        bitrate: int | None = None,
        duration: float | None = None,
        peaks: Iterable[float] | None = None,
        progress: Progress | None = None,
        idempotency_key: str | None = None,
    ) -> Render:
        """Stream the file from disk (never read whole) as the seed's multipart upload.
        With ``idempotency_key``, a retry after a lost response returns the render the
        server stored the first time instead of storing the file twice."""
        path = Path(path)
        if not path.is_file():
            raise PermanentApiError(None, f"The recording {path} does not exist any more")
        fields: dict[str, Any] = {"format": format}
        if bitrate is not None:
            fields["bitrate"] = str(int(bitrate))
        if duration is not None:
            fields["duration"] = f"{float(duration):.3f}"
        if peaks is not None:
            fields["peaks"] = json.dumps([round(float(p), 4) for p in peaks])
        with path.open("rb") as handle:
            fields["file"] = (path.name, handle, "audio/mpeg" if format == "mp3" else None)
            encoder = MultipartEncoder(fields=fields)
            total = encoder.len

            def report(monitor: MultipartEncoderMonitor) -> None:
                if progress is not None:
                    progress(min(monitor.bytes_read, total), total)

            monitor = MultipartEncoderMonitor(encoder, report)
            headers = {"Content-Type": monitor.content_type}
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            data = self._json(
                "POST",
                "/api/v1/upload/audio",
                data=monitor,
                headers=headers,
                timeout=(5.0, max(self.timeout, 60.0)),
            )
        return Render.from_json(data)

    def upload_sample(
        self, path: str | os.PathLike[str], *, progress: Progress | None = None
    ) -> Sample:
        """Stream a sample file to ``POST /api/v1/samples``. The server keeps one copy per
        content: uploading the same bytes again answers the same sample."""
        path = Path(path)
        if not path.is_file():
            raise PermanentApiError(None, f"The sample {path} does not exist")
        with path.open("rb") as handle:
            encoder = MultipartEncoder(fields={"file": (path.name, handle, None)})
            total = encoder.len

            def report(monitor: MultipartEncoderMonitor) -> None:
                if progress is not None:
                    progress(min(monitor.bytes_read, total), total)

            monitor = MultipartEncoderMonitor(encoder, report)
            data = self._json(
                "POST",
                "/api/v1/samples",
                data=monitor,
                headers={"Content-Type": monitor.content_type},
                timeout=(5.0, max(self.timeout, 60.0)),
            )
        return Sample.from_json(data)

    def get_sample(self, sha256: str) -> Sample:
        """The server's sample object (``NotFoundError`` when it has no such sample)."""
        try:
            check_sha256(sha256)
        except ValueError as exc:
            raise PermanentApiError(None, str(exc)) from None
        return Sample.from_json(self._json("GET", f"/api/v1/samples/{sha256}"))

    def download(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        expected_size: int | None = None,
    ) -> Path:
        """Download to ``dest`` through a temporary name; renamed only when complete and
        of the expected size, so a cut connection never leaves a truncated file behind.
        The API token is not sent: render URLs may point at third-party storage."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with (
                atomic_write(dest, hidden=True) as out,
                self._download_session.get(
                    url, stream=True, timeout=(5.0, self.timeout)
                ) as response,
            ):
                if response.status_code >= 400:
                    raise _error_from_response(response)
                total = int(response.headers.get("Content-Length") or expected_size or 0)
                done = 0
                for chunk in response.iter_content(CHUNK):
                    if expected_size is not None and done + len(chunk) > expected_size:
                        # Stopped here: a byte budget counts the size announced.
                        raise ApiError(
                            None, f"the server sent more than the {expected_size} bytes announced"
                        )
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
                if expected_size is not None and done != expected_size:
                    raise TransientApiError(
                        None, f"Download incomplete: got {done} of {expected_size} bytes"
                    )
        except CertificateMismatch as exc:
            raise certificate_refused(self.base_url) from exc
        except requests.RequestException as exc:
            raise TransientApiError(None, f"Download failed: {exc}") from exc
        return dest
