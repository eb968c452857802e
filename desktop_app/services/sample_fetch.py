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
from desktop_app.services.cache_budget import MIB
from desktop_app.services.samples import FetchBudget, FetchCancelled, OverBudget, SampleError

log = logging.getLogger(__name__)

# The most one Load (the window's, ``sequencer pull``, ``sequencer render``) downloads. A
# kit of 64 one-shots at 2 MiB each (12 s of stereo 16-bit 44.1 kHz WAV, where most hits
# are under 1 s): the largest first-layer kit of Debian's hydrogen-drumkits, ForzeeStereo, is
# 38 MB for 27 instruments (3.5 MB its largest file), so 64 of its sounds would be about
# 91 MB. A pattern past it is hostile or a mistake; 64 samples at the server's 50 MB cap
# would be 3.2 GB.
LOAD_CAP_BYTES = 128 * MIB

FetchProgress = Callable[[int, int, str], None]
"""Called with (samples done, samples in all, the name of the one being fetched)."""


class FetchingCache(Protocol):
    """``SampleCache``: what is cached, and a download by hash into it."""

    def lookup(self, sha256: str) -> Path | None: ...
    def fetch(
        self, sha256: str, protect: Iterable[str] = ..., budget: FetchBudget | None = ...
    ) -> Path: ...


@dataclass
class FetchReport:
    """Where each sample is now, and why the others are not there."""

    found: dict[str, Path] = field(default_factory=dict)  # already cached or fetched
    fetched: list[str] = field(default_factory=list)  # of those: downloaded just now
    missing: dict[str, str] = field(default_factory=dict)  # sha256 → why, in words
    over_budget: list[str] = field(default_factory=list)  # of the missing: past the cap

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
    if isinstance(exc, OverBudget):
        return f"the sound “{name}” was not fetched: {exc}"
    return f"the sound “{name}” could not be fetched: {exc}"


def fetch_samples(
    cache: FetchingCache,
    refs: Mapping[str, str],
    progress: FetchProgress | None = None,
    budget: FetchBudget | None = None,
) -> FetchReport:
    """Make every sample of ``refs`` (SHA-256 → name) local: cached ones are used as
    they are, the others downloaded (verified by hash) without evicting any of ``refs``,
    in order, while they fit in ``budget`` (``LOAD_CAP_BYTES`` unless given): one that
    does not is left missing (``over_budget``) and smaller ones after it are still
    fetched. Once the server cannot be reached, the rest are not tried: each would wait
    for the same timeout. Once ``budget`` is cancelled, none is started."""
    budget = budget if budget is not None else FetchBudget(LOAD_CAP_BYTES)
    report = FetchReport()
    protect = set(refs)
    stop: ApiError | SampleError | None = None
    for done, (sha, name) in enumerate(refs.items()):
        cached = cache.lookup(sha)
        if cached is not None:
            report.found[sha] = cached
            continue
        if stop is not None:
            report.missing[sha] = why_missing(name, stop)
            continue
        if progress is not None:
            progress(done, len(refs), name)
        try:
            report.found[sha] = cache.fetch(sha, protect=protect, budget=budget)
            report.fetched.append(sha)
        except (TransientApiError, FetchCancelled) as exc:
            stop = exc
            report.missing[sha] = why_missing(name, exc)
        except OverBudget as exc:
            report.missing[sha] = why_missing(name, exc)
            report.over_budget.append(sha)
        except (ApiError, SampleError, OSError) as exc:
            report.missing[sha] = why_missing(name, exc)
        if sha in report.missing:
            log.warning("sample %s: %s", sha[:12], report.missing[sha])
    if progress is not None:
        progress(len(refs), len(refs), "")
    return report
