"""Patterns as JSON files: the user's own (Open / Save as) and the one left on screen at
the last quit, which the next start reopens.

Every write goes to a ``.part`` file first and is renamed into place, so a crash or a full
disk never leaves half a pattern behind. A file that cannot be read says why in words a
musician can act on (``PatternFileError``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from desktop_app.domain.pattern import Pattern, SnapshotError
from sequencer_common.atomic import write_text_atomic

log = logging.getLogger(__name__)


class PatternFileError(Exception):
    """Why a pattern file could not be read or written, in words."""


def read_pattern_file(path: Path) -> dict[str, Any]:
    """The snapshot in ``path`` (checked by whoever loads it: ``SnapshotError``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PatternFileError(exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise PatternFileError(str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise PatternFileError(f"it is not JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, dict):
        raise PatternFileError("it holds no pattern (a JSON object is expected)")
    return data


def write_pattern_file(path: Path, snapshot: dict[str, Any], *, indent: int | None = 2) -> None:
    text = json.dumps(snapshot, indent=indent) + ("\n" if indent is not None else "")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    except OSError as exc:
        raise PatternFileError(exc.strerror or str(exc)) from exc


class SessionPattern:
    """The pattern on screen at the last quit (``paths.session_pattern_file``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Pattern | None:
        """``None`` (the demo groove) on the first start or when the file is unreadable."""
        if not self.path.exists():
            return None
        try:
            return Pattern.from_snapshot(read_pattern_file(self.path))
        except (PatternFileError, SnapshotError, ValueError) as exc:
            log.warning("could not reopen the last pattern (%s); starting with the demo", exc)
            return None

    def save(self, snapshot: dict[str, Any]) -> None:
        try:
            write_pattern_file(self.path, snapshot, indent=None)
        except PatternFileError as exc:
            log.warning("could not save the open pattern: %s", exc)
