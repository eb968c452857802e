"""What the caches download files from (``ApiClient``), said once.

A module of its own with nothing heavy to import: the sample cache is loaded by
``sequencer render`` and by the outbox, which start without the HTTP client or the MP3
reader that the render cache brings in, and both caches describe the same call.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total)."""


class Download(Protocol):
    """``ApiClient.download``: streams ``url`` to a temporary name beside ``dest``, checks
    the size against ``expected_size`` and renames it only when complete."""

    def __call__(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        expected_size: int | None = None,
    ) -> Path: ...


class DownloadSource(Protocol):
    """A server's files: relative URLs resolve against ``base_url``, and ``download``
    writes a complete file or none."""

    base_url: str

    @property
    def download(self) -> Download: ...
