"""The summary a message carries beside its snapshot (``snapshot_metadata``), so lists can
show BPM, length and loops without parsing the whole pattern."""

from __future__ import annotations

from typing import Any

from desktop_app import __version__
from desktop_app.domain.pattern import Pattern, SnapshotError


def snapshot_metadata(snapshot: dict[str, Any], duration: float | None) -> dict[str, Any]:
    """The list summary of a message: the pattern's, plus how many loops the take holds.

    A dropped audio file has no pattern, only its file name; the name goes into the
    summary so every client's list can say which file was sent."""
    try:
        pattern = Pattern.from_snapshot(snapshot)
    except SnapshotError:
        meta: dict[str, Any] = {"app_version": __version__}
        filename = snapshot.get("filename")
        if isinstance(filename, str) and filename:
            meta["filename"] = filename
        if duration is not None:
            meta["duration"] = round(duration, 3)
        return meta
    loops = round(duration / pattern.pass_seconds) if duration else None
    meta = pattern.metadata(loops=loops or None, app_version=__version__)
    if duration is not None:
        meta["duration"] = round(duration, 3)
    return meta
