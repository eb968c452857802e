"""Getting a pattern's own samples onto this computer before it is played: what the
window's Load, ``sequencer pull`` and ``sequencer render`` share.

Blocking (call it from a worker). A sample that cannot be fetched is not an error here
but a finding: the pattern still loads, its track plays silence and says "missing sound",
and the caller decides how loudly to say why (a status line, an exit status).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from desktop_app.services.api import ApiError, NotFoundError, TransientApiError
from desktop_app.services.samples import SampleError

log = logging.getLogger(__name__)

FetchProgress = Callable[[int, int, str], None]
"""Called with (samples done, samples in all, the name of the one being fetched)."""


class FetchingCache(Protocol):
    """``SampleCache``: what is cached, and a download by hash into it."""

    def lookup(self, sha256: str) -> Path | None: ...
    def fetch(self, sha256: str, protect: Iterable[str] = ...) -> Path: ...


@dataclass
class FetchReport:
    """Where each sample is now, and why the others are not there."""

    found: dict[str, Path] = field(default_factory=dict)  # already cached or fetched
    fetched: list[str] = field(default_factory=list)  # of those: downloaded just now
    missing: dict[str, str] = field(default_factory=dict)  # sha256 → why, in words

    @property
    def complete(self) -> bool:
        return not self.missing


def why_missing(name: str, exc: BaseException) -> str:
    """One sentence about a sample that could not be fetched."""
    if isinstance(exc, NotFoundError):
        return f"the sound “{name}” is not on the server any more"
    if isinstance(exc, TransientApiError):
        return f"the sound “{name}” could not be fetched: {exc.detail}"
    if isinstance(exc, ApiError):
        return f"the sound “{name}” was refused: {exc.detail}"
    return f"the sound “{name}” could not be fetched: {exc}"


def fetch_samples(
    cache: FetchingCache,
    refs: Mapping[str, str],
    progress: FetchProgress | None = None,
) -> FetchReport:
    """Make every sample of ``refs`` (SHA-256 → name) local: cached ones are used as
    they are, the others downloaded (verified by hash) without evicting any of ``refs``.
    Once the server cannot be reached, the rest are not tried: each would wait for the
    same timeout."""
    report = FetchReport()
    protect = set(refs)
    offline: TransientApiError | None = None
    for done, (sha, name) in enumerate(refs.items()):
        cached = cache.lookup(sha)
        if cached is not None:
            report.found[sha] = cached
            continue
        if offline is not None:
            report.missing[sha] = why_missing(name, offline)
            continue
        if progress is not None:
            progress(done, len(refs), name)
        try:
            report.found[sha] = cache.fetch(sha, protect=protect)
            report.fetched.append(sha)
        except TransientApiError as exc:
            offline = exc
            report.missing[sha] = why_missing(name, exc)
        except (ApiError, SampleError, OSError) as exc:
            report.missing[sha] = why_missing(name, exc)
        if sha in report.missing:
            log.warning("sample %s: %s", sha[:12], report.missing[sha])
    if progress is not None:
        progress(len(refs), len(refs), "")
    return report
