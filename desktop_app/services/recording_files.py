"""Saving a message's recording where the user wants it: the MP3 as it is, or a WAV.

The MP3 is copied byte for byte (the file the cache or the sender's outbox holds: the
very take that was sent). The WAV is that MP3 decoded by libsndfile, which decodes MP3
with mpg123 (through ``soundfile``'s bundled library, the same one that reads the user's
samples): mpg123 honours the LAME tag our encoder writes (``audio/lametag.py``), dropping
the encoder's delay at the start and its padding at the end, so the WAV has exactly the
take's frames, sample for sample in time: ``bounce_frames`` long for a render. It is
written as 32-bit float, the decoder's own output, so decoding adds no rounding.

Both are streamed (a block at a time) under a temporary name and renamed when complete,
so a full disk or an unwritable folder leaves nothing half-written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import soundfile

from desktop_app.audio.wavio import WavWriter
from desktop_app.services.audio_export import ExportError, write_error
from sequencer_common.atomic import atomic_write

MP3 = "mp3"
WAV = "wav"
MP3_SUFFIXES = (".mp3",)
WAV_SUFFIXES = (".wav", ".wave")
DECODE_BLOCK = 65536

Progress = Callable[[float], None]
# A RIFF file counts its bytes in 32 bits: 4 GiB is about 3 h 22 min of 44.1 kHz stereo
# float samples. Checked before decoding, so a long take is refused in words, not after
# writing 4 GB.
WAV_MAX_BYTES = 0xFFFF_FFFF
WAV_HEADER_BYTES = 80


@dataclass(frozen=True)
class SavedRecording:
    """What was written: the file, its kind, its size and (WAV) its length."""

    path: Path
    kind: str
    size_bytes: int
    seconds: float | None = None


def target_for(path: Path, chosen_filter: str = "") -> tuple[Path, str]:
    """The file to write and its kind (``MP3``/``WAV``): the extension decides; without
    one the file type chosen in the dialog does (and its extension is added). Any other
    extension is refused rather than given bytes of another format."""
    suffix = path.suffix.lower()
    if suffix in MP3_SUFFIXES:
        return path, MP3
    if suffix in WAV_SUFFIXES:
        return path, WAV
    if not suffix:
        kind = WAV if "*.wav" in chosen_filter.lower() else MP3
        return path.with_name(f"{path.name}.{kind}"), kind
    raise ExportError(
        f"{path.name}: a recording can be saved as .mp3 (as it is) or .wav (decoded), "
        f"not as “{path.suffix}”."
    )


def save_recording(
    source: Path, target: Path, kind: str, progress: Progress | None = None
) -> SavedRecording:
    """Write the recording at ``source`` to ``target`` as ``kind`` (``MP3``: the bytes as
    they are; ``WAV``: decoded). ``ExportError`` says what went wrong."""
    if kind == MP3:
        return SavedRecording(target, kind, _copy(source, target))
    if kind == WAV:
        frames, rate = _decode(source, target, progress)
        return SavedRecording(target, kind, target.stat().st_size, frames / rate)
    raise ValueError(f"kind must be {MP3!r} or {WAV!r}, not {kind!r}")


def _open(source: Path) -> BinaryIO:
    try:
        return open(source, "rb")
    except OSError as exc:
        raise ExportError(
            f"The recording is no longer on this computer ({exc.strerror or exc})."
        ) from exc


def _undecodable(exc: soundfile.LibsndfileError) -> ExportError:
    return ExportError(f"The recording cannot be decoded ({exc.error_string.rstrip('.')}).")


def _copy(source: Path, target: Path) -> int:
    with _open(source) as src:
        try:
            with atomic_write(target) as fh:
                shutil.copyfileobj(src, fh, 1 << 20)
                size = fh.tell()
        except OSError as exc:
            raise ExportError(write_error(exc, target)) from exc
    return size


def check_wav_fits(frames: int, channels: int, sample_rate: int) -> None:
    """Raise ``ExportError`` when the decoded take would not fit in one WAV file."""
    if WAV_HEADER_BYTES + frames * channels * 4 > WAV_MAX_BYTES:
        hours = frames / sample_rate / 3600
        raise ExportError(
            f"This recording is {hours:.1f} hours long: decoded, it would not fit in a WAV "
            "file (4 GB at most). Save it as MP3 instead."
        )


def _decode(source: Path, target: Path, progress: Progress | None) -> tuple[int, int]:
    if "MP3" not in soundfile.available_formats():  # libsndfile before 1.1 (a system one)
        raise ExportError(
            f"This computer's libsndfile {soundfile.__libsndfile_version__} cannot decode "
            "MP3 (1.1 or later can); save the MP3 instead, or update the soundfile package."
        )
    with _open(source) as raw:
        try:
            sound = soundfile.SoundFile(raw)
        except soundfile.LibsndfileError as exc:
            raise _undecodable(exc) from exc
        with sound:
            total = sound.frames
            check_wav_fits(total, sound.channels, sound.samplerate)
            try:
                with atomic_write(target) as fh:
                    writer = WavWriter(cast(BinaryIO, fh), sound.samplerate, sound.channels)
                    for block in sound.blocks(DECODE_BLOCK, dtype="float32", always_2d=True):
                        writer.write(block)
                        if progress is not None and total:
                            progress(min(1.0, writer.frames / total))
                    writer.finish()
            except OSError as exc:
                raise ExportError(write_error(exc, target)) from exc
            except soundfile.LibsndfileError as exc:
                raise _undecodable(exc) from exc
            return writer.frames, sound.samplerate
