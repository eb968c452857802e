"""Files that appear complete or not at all.

A file is written under a temporary name beside its final one and renamed over it only
when the write finished: a crash, a full disk or an exception never leaves a truncated
file under the final name, and an older file there stays as it was until the rename.
``os.replace`` is atomic within one folder, which is why the temporary name sits beside
the target rather than in a temporary folder that may be on another file system.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal

PART_SUFFIX = ".part"


def part_path(path: str | os.PathLike[str], *, hidden: bool = False) -> Path:
    """The temporary name ``path`` is written under: ``name.part`` beside it, or
    ``.name.part`` when ``hidden`` (so that listings of the folder pass over it)."""
    path = Path(path)
    name = f".{path.name}" if hidden else path.name
    return path.with_name(name + PART_SUFFIX)


@contextmanager
def atomic_path(
    path: str | os.PathLike[str], *, hidden: bool = False, unique_prefix: str | None = None
) -> Iterator[Path]:
    """Yield the temporary path to write; it becomes ``path`` when the block ends, and is
    removed when the block raises.

    With ``unique_prefix`` the temporary name is ``{unique_prefix}XXXX.part``, unique per
    call, for targets that several writers may be filling at once; otherwise it is
    ``part_path(path, hidden=hidden)`` and a leftover of a killed process is removed first.
    """
    path = Path(path)
    if unique_prefix is not None:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=unique_prefix, suffix=PART_SUFFIX)
        os.close(fd)
        tmp = Path(name)
    else:
        tmp = part_path(path, hidden=hidden)
        tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    mode: Literal["wb", "w+b", "w"] = "wb",
    *,
    hidden: bool = False,
    unique_prefix: str | None = None,
    fsync: bool = False,
    encoding: str | None = None,
) -> Iterator[IO]:
    """Open the temporary file of ``atomic_path`` for writing and yield it; closed (and
    with ``fsync`` flushed to the disk) before the rename."""
    with (
        atomic_path(path, hidden=hidden, unique_prefix=unique_prefix) as tmp,
        open(tmp, mode, encoding=encoding) as fh,
    ):
        yield fh
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """``Path.write_text`` that never leaves half a file behind."""
    with atomic_write(path, "w", encoding=encoding) as fh:
        fh.write(text)
