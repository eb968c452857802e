"""Every folder the client writes to, decided in one place.

Scattering ``platformdirs`` calls through the code makes it impossible to run two copies
side by side or to isolate a test; here the four roots (config, data, cache, logs) are
computed once and everything else derives from them. ``SEQUENCER_HOME=DIR`` moves all of
them under ``DIR`` (``config/``, ``data/``, ``cache/``, ``logs/``), which is how tests,
screenshots and portable installs keep their state away from the user's real folders.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import platformdirs

APP_NAME = "sequencer"
HOME_ENV = "SEQUENCER_HOME"


class _Under:
    """A location under one of ``AppPaths``' roots, worked out from the root each time it
    is read (so it can never drift away from it), like a property."""

    def __init__(self, root: str, name: str) -> None:
        self._root = root
        self._name = name

    def __set_name__(self, owner: type, attr: str) -> None:
        if self._root not in owner.__annotations__:  # a misspelt root fails at import
            raise TypeError(f"{owner.__name__}.{attr}: no root {self._root!r}")

    @overload
    def __get__(self, paths: None, owner: type) -> _Under: ...

    @overload
    def __get__(self, paths: AppPaths, owner: type) -> Path: ...

    def __get__(self, paths: AppPaths | None, owner: type) -> Path | _Under:
        if paths is None:
            return self
        root: Path = getattr(paths, self._root)
        return root / self._name


@dataclass(frozen=True)
class AppPaths:
    """The client's folders. Derived paths are worked out from their root each time they
    are read (``_Under``) so that they can never drift away from it."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppPaths:
        """``SEQUENCER_HOME`` if set (and not blank), the platform's folders otherwise."""
        env = os.environ if environ is None else environ
        home = env.get(HOME_ENV, "").strip()
        if home:
            return cls.under(Path(home).expanduser())
        return cls.platform_default()

    @classmethod
    def under(cls, home: str | os.PathLike[str]) -> AppPaths:
        root = Path(home).absolute()
        return cls(
            config_dir=root / "config",
            data_dir=root / "data",
            cache_dir=root / "cache",
            log_dir=root / "logs",
        )

    @classmethod
    def platform_default(cls) -> AppPaths:
        # appauthor=False: no "Vendor/" level on Windows; the app name is distinctive enough.
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    def ensure(self) -> AppPaths:
        """Create the roots (and the derived folders the app writes into) if missing."""
        for folder in (
            self.config_dir,
            self.data_dir,
            self.cache_dir,
            self.log_dir,
            self.recordings_dir,
            self.audio_cache_dir,
            self.server_data_dir,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    # ---- derived locations: a root and a name under it ----------------------------------
    #: QSettings in INI format, so the settings move with ``SEQUENCER_HOME`` too (the
    #: native format would land in the registry or ~/.config regardless).
    settings_file = _Under("config_dir", "settings.ini")
    log_file = _Under("log_dir", "sequencer.log")
    #: Takes recorded in the sequencer; kept so a send can resume after a crash.
    recordings_dir = _Under("data_dir", "recordings")
    #: The embedded server's SQLite database and render files (threads persist).
    server_data_dir = _Under("data_dir", "server")
    #: Threads and messages last seen, so the app starts without a network.
    local_store_file = _Under("data_dir", "local_store.sqlite3")
    audio_cache_dir = _Under("cache_dir", "audio_cache")
    #: Samples patterns play, as ``{sha256}.{ext}`` (services/samples).
    sample_cache_dir = _Under("cache_dir", "samples")
    #: Saved kits, one folder each with ``kit.json`` (services/kit_library).
    kits_dir = _Under("data_dir", "kits")
    #: The pattern on screen at quit, reopened at the next start.
    session_pattern_file = _Under("data_dir", "session_pattern.json")

    def outbox_for(self, server_url: str) -> tuple[Path, Path]:
        """The outbox database and the folder of its recordings, one per server: a message
        queued for one server must never be delivered to another."""
        name = _server_key(server_url) or "local"
        root = self.data_dir / "outbox"
        return root / f"{name}.sqlite3", root / f"{name}-recordings"

    def identity_for(self, server_url: str) -> Path | None:
        """Who the token is on a server (``services/token_identity``), remembered so a
        start without a network knows it; ``None`` for the embedded server, whose
        shared token leaves the name free."""
        key = _server_key(server_url)
        return self.data_dir / "servers" / f"{key}.identity.json" if key else None

    def local_store_for(self, server_url: str) -> Path:
        """One offline cache per server, so switching servers never mixes their threads.
        The embedded server (empty URL) keeps the plain ``local_store_file``."""
        key = _server_key(server_url)
        if not key:
            return self.local_store_file
        return self.data_dir / "servers" / f"{key}.sqlite3"


def _server_key(server_url: str) -> str:
    """A server's files are named by a hash of its URL (a trailing slash is the same
    server); the embedded server (no URL) has no key."""
    url = server_url.strip().rstrip("/")
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:12] if url else ""
