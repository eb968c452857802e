"""Real folders that refuse writes, for "disk full" and "read-only folder" tests.

As root (the CI container) a tiny tmpfs is mounted: a full disk answers ENOSPC and a
read-only mount EROFS, from the kernel, exactly as a USB stick would. Without root a
read-only folder is a folder without write permission (EACCES), and a full disk cannot
be made, so that test is skipped.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _mount(folder: Path, options: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], capture_output=True)


@contextlib.contextmanager
def full_disk(folder: Path, size_kb: int = 64) -> Iterator[Path]:
    """``folder`` on a disk of ``size_kb`` KB (nearly empty): a larger file fills it."""
    if not _can_mount():
        pytest.skip("a full disk needs a tmpfs mount (root)")
    _mount(folder, f"size={size_kb}k")
    try:
        yield folder
    finally:
        _unmount(folder)


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """``folder`` that refuses new files: a read-only mount as root, else mode 0o500."""
    if _can_mount():
        _mount(folder, "ro,size=64k")
        try:
            yield folder
        finally:
            _unmount(folder)
        return
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o500)
    try:
        yield folder
    finally:
        folder.chmod(0o700)
