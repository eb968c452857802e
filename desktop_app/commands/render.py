"""``sequencer render PATTERN.json -o OUT.mp3 [--stems DIR] [--loops N] [--bitrate K]
[--kit DIR] [--samples DIR]``

Offline bounce with the same engine code the GUI plays and records with. Errors (a
malformed pattern, a missing sample, an unwritable output) are one line on stderr and a
non-zero exit status, so scripts can rely on them.

The render is streamed: each block is rendered, limited, encoded and written before the
next, so memory stays the same for one loop or for an hour of audio. ``--stems DIR``
writes one float WAV per track heard in the mix instead of (or as well as) the mix
(``services/audio_export.py``; ``audio/stems.py`` says how the master limiter is handled).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO, Protocol, cast

import numpy as np

from desktop_app.audio.bounce import MAX_LOOPS, OfflineRender, bounce_blocks
from desktop_app.audio.kit import KitError, load_default_kit, load_kit_folder
from desktop_app.audio.libmp3lame import LameUnavailable
from desktop_app.audio.mp3 import DEFAULT_BITRATE, VALID_BITRATES, Mp3Encoder
from desktop_app.audio.sample_bank import SampleBank
from desktop_app.audio.wavio import WavWriter
from desktop_app.commands._failure import CommandError, reports_errors
from desktop_app.commands._inputs import add_pattern_arguments, pattern_input
from desktop_app.commands._own_samples import (
    Lookups,
    fetch_from_configured_server,
    missing_samples,
    sample_cache,
)
from desktop_app.commands._server_args import add_connection_args
from desktop_app.services.audio_export import ExportError, write_stems
from sequencer_common.atomic import atomic_write

DEFAULT_LOOPS = 4
SAMPLE_RATE = 44100
# Show progress when the encode is expected to take noticeably long.
PROGRESS_AFTER_SECONDS = 60.0
# What the output's extension asks for: the formats this command can really write. Any
# other extension is refused rather than given bytes of another format.
MP3_SUFFIXES = (".mp3",)
WAV_SUFFIXES = (".wav", ".wave")


HELP = "bounce a pattern to an MP3 (or WAV) file"
DESCRIPTION = (
    "Render N loops of a pattern snapshot (JSON) to OUT.mp3, or OUT.wav "
    "for a lossless float WAV. The file is exactly N passes long and loops seamlessly. "
    "--stems DIR writes one float WAV per track heard in the mix (named after the "
    "track), all as long as the mix and aligned; stems are taken before the master "
    "limiter, so they sum to the mix as it enters it."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_pattern_arguments(p, loops=DEFAULT_LOOPS)
    p.add_argument("-o", "--output", metavar="OUT.mp3", help="output file: .mp3 or .wav")
    p.add_argument("--stems", metavar="DIR", help="also (or only) write one WAV per track into DIR")
    p.add_argument(
        "--bitrate",
        type=int,
        default=DEFAULT_BITRATE,
        help=f"MP3 bitrate in kbit/s (default {DEFAULT_BITRATE})",
    )
    p.add_argument(
        "--kit", metavar="DIR", help="a folder of WAV, AIFF or FLAC samples to use as the kit"
    )
    p.add_argument(
        "--samples",
        metavar="DIR",
        help="where tracks' own samples are, as {sha256}.{ext} (default: the sample cache; "
        "a sample in neither is fetched from the server)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    add_connection_args(p)


@reports_errors("render")
def run(args: argparse.Namespace) -> int:
    if not args.output and not args.stems:
        raise CommandError("nothing to write: give -o OUT.mp3 (or OUT.wav), --stems DIR, or both")
    cache = sample_cache()
    pattern = pattern_input(args, MAX_LOOPS, cache)
    if args.stems and Path(args.stems).exists() and not Path(args.stems).is_dir():
        raise CommandError(f"--stems: {args.stems} is a file, not a folder")
    out = Path(args.output) if args.output else None
    as_wav = out is not None and _check_output(out, args.bitrate)
    lookup = Lookups(cache, args.samples)
    missing = missing_samples(pattern, lookup, cache, fetch_from_configured_server(args))
    if missing:
        raise CommandError("; ".join(missing) + " (the render needs every sound it plays)")
    try:
        names = [t.sample for t in pattern.tracks if not t.own_sample]
        kit = (
            load_kit_folder(args.kit, required=names, sample_rate=SAMPLE_RATE)
            if args.kit
            else load_default_kit(SAMPLE_RATE)
        )
    except KitError as exc:
        raise CommandError(str(exc)) from None
    render = OfflineRender(pattern, kit, args.loops, SAMPLE_RATE, SampleBank(lookup, SAMPLE_RATE))
    if out is not None:
        _render_mix(args, render, out, as_wav)
    if args.stems:
        _render_stems(args, render, Path(args.stems))
    return 0


def _check_output(out: Path, bitrate: int) -> bool:
    """Refuse an output this command cannot write (before anything is rendered); True
    for a WAV."""
    suffix = out.suffix.lower()
    if suffix not in MP3_SUFFIXES + WAV_SUFFIXES:
        named = f"“{out.suffix}” files" if out.suffix else "a file without an extension"
        raise CommandError(
            f"{out}: cannot write {named}; the output must end in .mp3 (MP3) or .wav (WAV)"
        )
    as_wav = suffix in WAV_SUFFIXES
    if not as_wav and bitrate not in VALID_BITRATES:
        raise CommandError(
            f"--bitrate: {bitrate} is not an MP3 bitrate; use one of "
            + ", ".join(map(str, VALID_BITRATES))
        )
    return as_wav


def _why_not(exc: OSError, out: Path) -> str:
    """The reason a user can act on: mkdir says only "File exists" when a folder on the
    way to ``out`` is a file."""
    if isinstance(exc, FileExistsError | NotADirectoryError):
        blocking = next((p for p in reversed(out.parents) if p.is_file()), None)
        if blocking is not None:
            return f"{blocking} is a file, not a folder"
    return exc.strerror or str(exc)


def _render_stems(args: argparse.Namespace, render: OfflineRender, folder: Path) -> None:
    t0 = time.perf_counter()
    try:
        done = write_stems(render, folder)
    except (KitError, ExportError) as exc:
        raise CommandError(str(exc)) from None
    if not args.quiet:
        took = time.perf_counter() - t0
        left_out = f"; left out (not heard): {', '.join(done.skipped)}" if done.skipped else ""
        print(
            f"{folder}: {len(done.paths)} stems ({', '.join(p.name for p in done.paths)}), "
            f"{args.loops} loops, {done.seconds:.2f} s each, float WAV, in {took:.2f} s"
            f"{left_out}",
            file=sys.stderr,
        )


def _render_mix(args: argparse.Namespace, render: OfflineRender, out: Path, as_wav: bool) -> None:
    try:
        t0 = time.perf_counter()
        blocks = bounce_blocks(render)
    except KitError as exc:
        raise CommandError(str(exc)) from None
    frames = render.frames
    seconds = frames / SAMPLE_RATE
    show = not args.quiet and seconds >= PROGRESS_AFTER_SECONDS

    def progress(fraction: float) -> None:
        print(
            f"\r{'writing' if as_wav else 'encoding'} {out.name}: {fraction * 100:5.1f}%",
            end="",
            file=sys.stderr,
        )

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _stream(
            blocks,
            out,
            frames,
            (lambda fh: WavWriter(fh, SAMPLE_RATE, 2))
            if as_wav
            else (lambda fh: _Mp3File(fh, args.bitrate)),
            progress if show else None,
        )
    except LameUnavailable as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        if show:
            print(file=sys.stderr)
        raise CommandError(f"{out}: cannot write: {_why_not(exc, out)}") from None
    if show:
        print(file=sys.stderr)
    if not args.quiet:
        took = time.perf_counter() - t0
        print(
            f"{out}: {args.loops} loops, {seconds:.2f} s, "
            f"{'float WAV' if as_wav else f'{args.bitrate} kbit/s MP3'}, "
            f"{out.stat().st_size} bytes in {took:.2f} s",
            file=sys.stderr,
        )


class _BlockWriter(Protocol):
    def write(self, block: np.ndarray) -> None: ...

    def finish(self) -> None: ...


class _Mp3File:
    """The streaming encoder writing to an open file; the gapless tag is patched in last."""

    def __init__(self, fh: BinaryIO, bitrate: int) -> None:
        self._fh = fh
        self._encoder = Mp3Encoder(SAMPLE_RATE, 2, bitrate)
        fh.write(self._encoder.tag_placeholder())

    def write(self, block: np.ndarray) -> None:
        self._fh.write(self._encoder.encode(block))

    def finish(self) -> None:
        self._fh.write(self._encoder.flush())
        self._fh.seek(0)
        self._fh.write(self._encoder.final_tag())


def _stream(
    blocks: Iterable[np.ndarray],
    out: Path,
    frames: int,
    open_writer: Callable[[BinaryIO], _BlockWriter],
    progress: Callable[[float], None] | None,
) -> None:
    """Write block by block under a temporary name, renamed when complete: a failure never
    leaves a truncated file under ``out``."""
    with atomic_write(out) as fh:
        writer = open_writer(cast(BinaryIO, fh))  # opened "wb"
        done = 0
        for block in blocks:
            writer.write(block)
            done += len(block)
            if progress is not None:
                progress(done / frames)
        writer.finish()
