"""The musician's own samples for the commands that play a pattern file (``render``,
``send``): ``sample_sha256`` tracks found in the sample cache — or in ``--samples DIR`` —
and fetched from the server when missing (``_inputs.pattern_input`` puts the sounds a
pattern file names by ``"sample_file"`` into the cache first).

The server is only contacted when a sample is missing (``fetch``), so rendering a
pattern whose samples are cached needs neither a network nor the HTTP client loaded.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path

from desktop_app.audio.sample_bank import FolderLookup, SampleLookup
from desktop_app.domain.pattern import Pattern
from desktop_app.paths import AppPaths
from desktop_app.services.cache_budget import sample_cap_bytes
from desktop_app.services.samples import SampleCache

Fetcher = Callable[[SampleCache, Mapping[str, str]], dict[str, str]]
"""Fetches ``refs`` (SHA-256 → name) into the cache; returns SHA-256 → why, for those it
could not."""


def sample_cache() -> SampleCache:
    """The user's sample cache (``SEQUENCER_HOME``), without a server yet, capped by its
    share of the settings' cache limit (read when the cache trims: the settings load Qt,
    which ``render`` otherwise never needs)."""
    paths = AppPaths.from_env()

    def cap() -> int:
        from desktop_app.settings import Settings

        return sample_cap_bytes(Settings.open(paths.settings_file).cache_size_mb)

    return SampleCache(paths.sample_cache_dir, cap_bytes=cap)


class Lookups:
    """``--samples DIR`` first (when given), then the sample cache."""

    def __init__(self, cache: SampleCache, folder: str | None = None) -> None:
        self._chain: list[SampleLookup] = [cache]
        if folder is not None:
            self._chain.insert(0, FolderLookup(folder))

    def lookup(self, sha256: str) -> Path | None:
        for source in self._chain:
            found = source.lookup(sha256)
            if found is not None:
                return found
        return None


def sound_names(pattern: Pattern) -> dict[str, str]:
    """SHA-256 → what the musician calls it, for every own sample the pattern plays."""
    names: dict[str, str] = {}
    for track in pattern.tracks:
        if track.sample_sha256 is not None:
            names.setdefault(track.sample_sha256, track.sound_label)
    return names


def missing_samples(
    pattern: Pattern, lookup: SampleLookup, cache: SampleCache, fetch: Fetcher
) -> list[str]:
    """Make the pattern's own samples local; the sentences saying which could not be."""
    wanted = {sha: name for sha, name in sound_names(pattern).items() if not lookup.lookup(sha)}
    if not wanted:
        return []
    return list(fetch(cache, wanted).values())


def fetch_from_configured_server(args: argparse.Namespace) -> Fetcher:
    """A fetcher that connects the way every subcommand does (flags, environment,
    settings, the embedded server) — only when something is missing."""

    def fetch(cache: SampleCache, refs: Mapping[str, str]) -> dict[str, str]:
        from desktop_app.commands._connection import open_context
        from desktop_app.services.sample_fetch import fetch_samples

        with open_context(args) as ctx:
            cache.set_source(ctx.api)
            try:
                return fetch_samples(cache, refs).missing
            finally:
                cache.set_source(None)

    return fetch
