"""Writing a pattern's audio to files for a DAW: the mix as one WAV, or one WAV per track.

Shared by ``sequencer render`` and File → Export, so both give the same files and the same
messages. Everything is streamed block by block (``bounce_blocks``, ``stem_blocks``) into
32-bit float WAV files (``WavWriter``), each written under a temporary name and renamed
when complete: a full disk or an unwritable folder leaves no half-written file behind,
and an export that fails part-way leaves every stem it had not finished as it was.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np

from desktop_app.audio.bounce import OfflineRender, bounce_blocks
from desktop_app.audio.stems import stem_blocks, stem_tracks
from desktop_app.audio.wavio import WavWriter
from desktop_app.domain.pattern import Pattern
from sequencer_common.atomic import atomic_write

SAMPLE_RATE = 44100
MAX_NAME = 80
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# Names Windows refuses whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)}

Progress = Callable[[float], None]


class ExportError(Exception):
    """An export that could not be written; the message says why in words."""


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the files, their length, and the tracks left out (muted)."""

    paths: tuple[Path, ...]
    frames: int
    sample_rate: int
    skipped: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def write_error(exc: OSError, path: Path) -> str:
    """A sentence for a failed write, naming the cause a person can act on."""
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", None):
        return f"The disk is full: {path.name} could not be written in {path.parent}."
    if exc.errno == errno.EROFS:
        return f"{path.parent} is on a read-only disk; choose another folder."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{path.parent} cannot be written to (no permission); choose another folder."
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"{path.parent} is not a folder that exists."
    return f"{path} could not be written: {exc.strerror or exc}"


def stem_file_names(names: Sequence[str], ext: str = "wav") -> list[str]:
    """File names for tracks named ``names``: characters no file system takes replaced,
    unique even where case does not count (macOS, Windows): ``Kick.wav``, ``Kick 2.wav``."""
    taken: set[str] = set()
    out = []
    for index, raw in enumerate(names):
        base = _UNSAFE.sub("_", raw).strip(" .")[:MAX_NAME].strip(" .")
        if not base or base.lower() in _RESERVED:
            base = f"{base or 'Track'} {index + 1}".strip()
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base} {n}"
        taken.add(name.lower())
        out.append(f"{name}.{ext}")
    return out


def stem_paths(pattern: Pattern, folder: Path) -> list[Path]:
    """Where ``write_stems`` puts each stem (one per track heard in the mix)."""
    names = [pattern.tracks[i].name for i in stem_tracks(pattern)]
    return [Path(folder) / name for name in stem_file_names(names)]


def write_mix(render: OfflineRender, path: Path, progress: Progress | None = None) -> Exported:
    """The bounce (limited, exactly ``render.loops`` passes) as a float WAV at ``path``.
    Raises ``KitError``/``ValueError`` before anything is written, ``ExportError`` for
    the file."""
    blocks = bounce_blocks(render)
    frames = render.frames
    _write_wavs(blocks, [path], frames, render.sample_rate, progress, lambda b: [b])
    return Exported((path,), frames, render.sample_rate)


def write_stems(render: OfflineRender, folder: Path, progress: Progress | None = None) -> Exported:
    """One float WAV per track heard in the mix into ``folder`` (created if missing), all
    ``render.frames`` long and aligned; see ``audio/stems.py`` for the limiter."""
    folder, pattern = Path(folder), render.pattern
    keep = stem_tracks(pattern)
    skipped = tuple(t.name for i, t in enumerate(pattern.tracks) if i not in keep)
    if not keep:
        raise ExportError("No track is heard in this pattern (all muted), so there are no stems.")
    blocks = stem_blocks(render)
    frames = render.frames
    paths = stem_paths(pattern, folder)
    try:
        if folder.exists() and not folder.is_dir():
            raise ExportError(f"{folder} is a file, not a folder.")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(write_error(exc, paths[0])) from exc
    _write_wavs(blocks, paths, frames, render.sample_rate, progress, lambda b: list(b))
    return Exported(tuple(paths), frames, render.sample_rate, skipped)


def _write_wavs(
    blocks: Iterable[np.ndarray],
    paths: Sequence[Path],
    frames: int,
    sample_rate: int,
    progress: Progress | None,
    split: Callable[[np.ndarray], list[np.ndarray]],
) -> None:
    """``split`` each block into one part per path and write the parts as float WAVs,
    each under a temporary name until all are complete; a failed write is an
    ``ExportError`` naming the file being opened or written then."""
    current = paths[0]
    try:
        with ExitStack() as stack:
            writers = []
            for path in paths:
                current = path
                fh = stack.enter_context(atomic_write(path))
                writers.append(WavWriter(cast(BinaryIO, fh), sample_rate, 2))
            _pump(blocks, writers, frames, progress, split)
            for writer in writers:
                writer.finish()
    except OSError as exc:
        raise ExportError(write_error(exc, current)) from exc


def _pump(
    blocks: Iterable[np.ndarray],
    writers: list[WavWriter],
    frames: int,
    progress: Progress | None,
    split: Callable[[np.ndarray], list[np.ndarray]],
) -> None:
    done = 0
    for block in blocks:
        parts = split(block)
        for writer, part in zip(writers, parts, strict=True):
            writer.write(part)
        done += len(parts[0])
        if progress is not None:
            progress(done / frames if frames else 1.0)
