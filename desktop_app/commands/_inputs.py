"""What several commands are given alike: a pattern file and ``--loops``. A bad one is a
``CommandError`` naming the argument, so every command says it the same way."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop_app.commands._failure import CommandError
from desktop_app.domain.pattern import Pattern, SnapshotError
from desktop_app.services.pattern_files import (
    LocalSamples,
    PatternFileError,
    confine_sample_files,
    parse_pattern_json,
    read_pattern_bytes,
    resolve_sample_files,
)


def load_pattern(path: Path, samples: LocalSamples | None = None) -> Pattern:
    """A pattern file (or a saved message: its snapshot). With ``samples``, tracks of a
    pattern file that name a ``sample_file`` get it as their own sample, put into that
    cache; a saved message's are refused unread."""
    if not path.exists():
        raise SnapshotError(f"{path}: no such file")
    try:
        data = parse_pattern_json(read_pattern_bytes(path))
    except PatternFileError as exc:
        if isinstance(exc.__cause__, json.JSONDecodeError):
            raise SnapshotError(f"{path}: not valid JSON: {exc.__cause__}") from None
        raise SnapshotError(f"{path}: {exc}") from None
    # Some files hold a whole message; take its snapshot. Its "sample_file" names came
    # with the message, from someone else: never read (they could name any of your files).
    if isinstance(data, dict) and "snapshot" in data and "tracks" not in data:
        data = data["snapshot"]
        if isinstance(data, dict):
            data, refused = confine_sample_files(data, None)
            for why in refused:
                print(f"sequencer: {path}: {why}", file=sys.stderr)
    elif samples is not None and isinstance(data, dict):
        try:
            data = resolve_sample_files(data, path.absolute().parent, samples)
        except PatternFileError as exc:
            raise SnapshotError(f"{path}: {exc}") from None
    return Pattern.from_snapshot(data)


def pattern_argument(path: Path, samples: LocalSamples | None = None) -> Pattern:
    """The pattern a command was given, or a ``CommandError`` that names the file."""
    try:
        return load_pattern(path, samples)
    except SnapshotError as exc:
        message = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"
        raise CommandError(message) from None


def check_loops(loops: int, most: int) -> None:
    if not 1 <= loops <= most:
        raise CommandError(f"--loops: {loops} is outside 1-{most}")


def add_pattern_arguments(p: argparse.ArgumentParser, *, loops: int) -> None:
    """The pattern file and how many passes of it, read back by ``pattern_input``."""
    p.add_argument("pattern", metavar="PATTERN.json", help="a sequencer.pattern snapshot")
    p.add_argument("--loops", type=int, default=loops, help=f"passes (default {loops})")


def pattern_input(
    args: argparse.Namespace, most_loops: int, samples: LocalSamples | None = None
) -> Pattern:
    """The pattern of ``add_pattern_arguments``, its ``--loops`` checked against the most
    the command can make; ``samples``: where its ``sample_file`` sounds go."""
    pattern = pattern_argument(Path(args.pattern), samples)
    check_loops(args.loops, most_loops)
    return pattern
