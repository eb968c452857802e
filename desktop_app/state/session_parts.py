"""What a ``ServerSession`` is made from: its connection, where delivered takes go, where
the open thread is remembered (as Protocols, so tests pass real parts of their own), and
its files on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient


class Connection(Protocol):
    """``services.connection.ServerConnection``: the API client and what to stop at the end."""

    @property
    def api(self) -> ApiClient: ...
    @property
    def url(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def key(self) -> tuple[str, str, str]: ...

    # Who the token is: learned at connect, or later in the session (then set here).
    user_name: str

    def close(self) -> None: ...


class TakeKeeper(Protocol):
    """Takes a delivered recording under its render id (``AudioCache``), on a worker."""

    def adopt(self, key: str, source: Path) -> Path: ...


class ThreadMemory(Protocol):
    """Where the open thread is remembered across starts (``Settings``)."""

    last_thread_id: str


@dataclass(frozen=True)
class SessionFiles:
    """The session's files: ``store`` (``None``: no offline copy), the outbox, and where
    who the token is is remembered."""

    store: Path | None
    outbox_db: Path
    outbox_dir: Path
    identity: Path | None = None  # who the token is, remembered (``AppPaths.identity_for``)

    @classmethod
    def for_server(cls, paths: AppPaths, url: str) -> SessionFiles:
        """One store and one outbox per server: a message queued for one server must never
        be delivered to another, and their threads never mix."""
        return cls(
            paths.local_store_for(url), *paths.outbox_for(url), identity=paths.identity_for(url)
        )
