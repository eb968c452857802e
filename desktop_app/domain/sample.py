"""A sample as the server describes it (issue 15): audio a track plays, named by the
SHA-256 of its bytes everywhere — in snapshots, on the server, in the client's cache."""

from __future__ import annotations

import re
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
