"""A sample as the server describes it: audio a track plays, named by the
SHA-256 of its bytes everywhere — in snapshots, on the server, in the client's cache."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SAMPLE_FORMATS = ("wav", "aiff", "flac", "ogg", "mp3")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def check_sha256(value: str) -> str:
    """Hashes become file names and URL paths: only 64 lowercase hex digits pass."""
    if not isinstance(value, str) or not SHA256_RE.match(value):
        raise ValueError(f"not a SHA-256 (64 lowercase hex digits): {str(value)[:80]!r}")
    return value


@dataclass(frozen=True)
class Sample:
    """The server's sample object (``resources/schemas/0.1.0/sample/sample.json``)."""

    sha256: str
    url: str
    format: str
    size_bytes: int
    duration: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sample:
        return cls(
            sha256=str(data["sha256"]),
            url=str(data["url"]),
            format=str(data["format"]),
            size_bytes=int(data["size_bytes"]),
            duration=float(data["duration"]),
        )


def snapshot_sample_refs(snapshot: Mapping[str, Any]) -> dict[str, str]:
    """The own samples a snapshot's tracks play: SHA-256 → the name shown for it (the
    first track's ``sample_name``), in track order. Lenient, unlike ``Pattern``: any
    snapshot a message may carry (a dropped file's, words only) simply has none."""
    tracks = snapshot.get("tracks") if isinstance(snapshot, Mapping) else None
    refs: dict[str, str] = {}
    for track in tracks if isinstance(tracks, list) else ():
        if not isinstance(track, Mapping):
            continue
        sha = track.get("sample_sha256")
        if isinstance(sha, str) and SHA256_RE.match(sha) and sha not in refs:
            name = track.get("sample_name")
            refs[sha] = name if isinstance(name, str) and name else f"sample {sha[:8]}"
    return refs
