"""Patterns as JSON files: the user's own (Open / Save as) and the one left on screen at
the last quit, which the next start reopens.

Every write goes to a ``.part`` file first and is renamed into place, so a crash or a full
disk never leaves half a pattern behind. A file that cannot be read says why in words a
musician can act on (``PatternFileError``).

A pattern file may name a track's own sound by a local audio file (``"sample_file"``,
relative to the pattern file or absolute). ``resolve_sample_files`` puts each
such file into the sample cache and gives the track the ``sample_sha256`` reference a
message carries, so a file-based pattern plays, renders and sends exactly as one made in
the window. Only the command line does that, for the file the musician names on it
(``sequencer render``/``send``). The window never reads a file a pattern names
(``confine_sample_files``): a pattern from a thread, saved and opened again, could name
any audio file on the disk, and the next Send would upload it to the thread.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from desktop_app.domain.pattern import Pattern, SnapshotError
from desktop_app.domain.sample import SAMPLE_FORMATS, SHA256_RE
from desktop_app.services.samples import SampleError
from sequencer_common.atomic import write_text_atomic

log = logging.getLogger(__name__)


SAMPLE_FILE_KEY = "sample_file"
CHECK_RATE = 44100  # the rate a named file is test-decoded at
# A pattern of 64 tracks of 64 steps is about 30 KB; the server takes 1 MB of JSON.
MAX_PATTERN_FILE_BYTES = 4 * 1024 * 1024


class PatternFileError(Exception):
    """Why a pattern file could not be read or written, in words."""


class LocalSamples(Protocol):
    """Where a named sample file goes (``SampleCache``): the cached copy, named
    ``{sha256}.{ext}``."""

    def add_local(self, path: str | os.PathLike[str], protect: Iterable[str] = ()) -> Path: ...


def names_sample_files(snapshot: dict[str, Any]) -> bool:
    tracks = snapshot.get("tracks")
    return isinstance(tracks, list) and any(
        isinstance(t, dict) and SAMPLE_FILE_KEY in t for t in tracks
    )


def resolve_sample_files(
    snapshot: dict[str, Any], base_dir: Path, samples: LocalSamples
) -> dict[str, Any]:
    """The snapshot with every track's ``"sample_file"`` replaced by ``sample_sha256`` (and
    ``sample_name``, the file's name unless the track has one), the file put into
    ``samples``. Unchanged when no track names a file. ``PatternFileError`` names the track
    and the file that cannot be used."""
    if not names_sample_files(snapshot):
        return snapshot
    # Here: ``sequencer render`` reads pattern files and must not load the sample bank's
    # collaborators for one that names no file.
    from desktop_app.audio.audio_files import AudioFileError
    from desktop_app.audio.sample_bank import decode_sample

    resolved = copy.deepcopy(snapshot)
    added: list[str] = []
    for index, track in enumerate(resolved["tracks"]):
        if not isinstance(track, dict) or SAMPLE_FILE_KEY not in track:
            continue
        named = track.pop(SAMPLE_FILE_KEY)
        where = f"tracks[{index}].{SAMPLE_FILE_KEY}"
        if not isinstance(named, str) or not named.strip():
            raise PatternFileError(f"{where}: must name an audio file, not {named!r}")
        path = Path(named).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            raise PatternFileError(f"{where}: {path}: no such file")
        try:
            # Checked as a dropped file is (size first, then it must decode): the pattern
            # may come from anyone, and the file would otherwise be copied whatever it is.
            decode_sample(path, CHECK_RATE)
            cached = samples.add_local(path, protect=added)
        except AudioFileError as exc:
            raise PatternFileError(
                f"{where}: {path.name} cannot be a track's sound: {exc}"
            ) from exc
        except OSError as exc:
            raise PatternFileError(f"{where}: {path}: {exc.strerror or exc}") from exc
        except SampleError as exc:  # not a sample format
            raise PatternFileError(f"{where}: {exc}") from exc
        sha = cached.name.partition(".")[0]
        added.append(sha)
        track["sample_sha256"] = sha
        if not isinstance(track.get("sample_name"), str) or not track["sample_name"].strip():
            track["sample_name"] = path.name
    return resolved


def _in_store(path: Path, store: Path) -> str | None:
    """The SHA-256 of the store's own file ``path`` names, else None. Decided from names
    alone (the file is not opened): only ``{sha256}.{ext}`` directly in the store."""
    sha, _, fmt = path.name.partition(".")
    if fmt not in SAMPLE_FORMATS or not SHA256_RE.match(sha):
        return None
    try:
        inside = path.parent.resolve() == store.resolve()
    except (OSError, RuntimeError):  # a loop of links, a name the OS refuses
        return None
    return sha if inside else None


def _shown(named: object) -> str:
    """At most 80 characters of a name from a pattern, its end kept (a file's name)."""
    text = str(named)
    return text if len(text) <= 80 else "…" + text[-79:]


def confine_sample_files(
    snapshot: Mapping[str, Any], store: Path | None, base_dir: Path | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The snapshot the window may load, and one sentence per track whose
    ``"sample_file"`` was refused. A ``"sample_file"`` naming a file of the sample store
    ``store`` becomes that sample's ``sample_sha256``; any other is dropped unread (the
    track keeps its ``sample_sha256`` if it has one, else plays its built-in sound), so
    nothing outside the store is read, played, or uploaded by a later Send. A relative
    name is taken from ``base_dir`` (a pattern file's folder), and refused without one."""
    if not names_sample_files(dict(snapshot)):
        return dict(snapshot), []
    confined = copy.deepcopy(dict(snapshot))
    refused: list[str] = []
    for index, track in enumerate(confined["tracks"]):
        if not isinstance(track, dict) or SAMPLE_FILE_KEY not in track:
            continue
        named = track.pop(SAMPLE_FILE_KEY)
        sha = None
        if isinstance(named, str) and named.strip():
            path = Path(named).expanduser()
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            sha = _in_store(path, store) if store is not None and path.is_absolute() else None
        if sha is not None:
            track["sample_sha256"] = sha
            continue
        label = track.get("name") if isinstance(track.get("name"), str) else f"{index + 1}"
        fallback = (
            "keeps the sound it names by hash"
            if isinstance(track.get("sample_sha256"), str)
            else "plays its built-in sound"
        )
        refused.append(
            f"track “{_shown(label)}” names the file “{_shown(named)}”, which was not read: "
            f"a pattern only plays sounds from Sequencer's sample store, so the track "
            f"{fallback} (drop the file on the track to use it)"
        )
        log.warning("pattern: %s", refused[-1])
    return confined, refused


def parse_pattern_json(raw: bytes) -> Any:
    """A pattern file's JSON, whoever wrote it: ``PatternFileError`` for a file too big,
    not UTF-8, not JSON, or JSON no pattern has (nesting thousands deep, a number of
    thousands of digits: Python's parser raises other errors for those)."""
    if len(raw) > MAX_PATTERN_FILE_BYTES:
        raise PatternFileError(
            f"it is over {MAX_PATTERN_FILE_BYTES // 1024 // 1024} MB; a pattern is far smaller"
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PatternFileError(str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise PatternFileError(f"it is not JSON ({exc.msg}, line {exc.lineno})") from exc
    except (ValueError, RecursionError) as exc:
        raise PatternFileError(f"it is not JSON a pattern can have ({exc})") from exc


def read_pattern_bytes(path: Path) -> bytes:
    """At most ``MAX_PATTERN_FILE_BYTES`` + 1 bytes of ``path`` (a FIFO or a device is
    refused, not waited on)."""
    try:
        if path.exists() and not path.is_file() and not path.is_dir():
            raise PatternFileError("it is not a file")
        with path.open("rb") as handle:
            return handle.read(MAX_PATTERN_FILE_BYTES + 1)
    except OSError as exc:
        raise PatternFileError(exc.strerror or str(exc)) from exc


def read_pattern_file(path: Path) -> dict[str, Any]:
    """The snapshot in ``path`` (checked by whoever loads it: ``SnapshotError``)."""
    data = parse_pattern_json(read_pattern_bytes(path))
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
