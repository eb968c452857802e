"""Audio files dropped on a thread: what can be sent, and making it sendable.

MP3 is sent as it is (checked to be MP3); WAV, AIFF and FLAC are encoded to MP3 first.
Either way the file's waveform peaks go with it, as a take's do (the render's ``peaks``),
so the others see its waveform before they download it. Anything else is refused in a
sentence that says what would work.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

import numpy as np

from desktop_app.audio.audio_files import SUFFIXES, AudioFileError, read_audio
from desktop_app.audio.mp3 import DEFAULT_BITRATE, encode_mp3, read_mp3_info
from desktop_app.audio.peaks import compute_peaks
from desktop_app.services.outbox import AudioFile

log = logging.getLogger(__name__)

MP3_SUFFIXES = {".mp3"}
PCM_SUFFIXES = set(SUFFIXES)  # WAV, AIFF, FLAC: encoded to MP3 before sending
LAME_RATES = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000}


class DroppedAudioError(ValueError):
    """A file that cannot be sent; the message is for the user."""


def refusal(path: str | Path) -> str:
    """What to tell the user about a file whose kind cannot be sent."""
    path = Path(path)
    kind = path.suffix.lstrip(".").upper() or "This kind of"
    return (
        f"{path.name} cannot be sent: {kind} files are not supported. "
        "Drop an MP3, WAV, AIFF or FLAC file."
    )


def is_sendable(path: str | Path) -> bool:
    return Path(path).suffix.lower() in MP3_SUFFIXES | PCM_SUFFIXES


STALE_AFTER_S = 24 * 3600  # an MP3 made for sending this long ago was never sent


def prune_stale(work_dir: Path, now: float | None = None) -> None:
    """Delete the MP3s made for sending more than ``STALE_AFTER_S`` ago: a WAV attached
    and then left when the app quit (Send moves the file it sends out of ``work_dir``,
    and taking an attachment back deletes its file)."""
    limit = (time.time() if now is None else now) - STALE_AFTER_S
    for path in work_dir.glob("*.mp3"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError as exc:
            log.info("could not remove %s: %s", path, exc)


PEAK_BLOCK = 65536  # frames decoded at a time: a long file never sits whole in memory
PEAK_BIN = 256  # frames folded into one value before the final peaks


def mp3_peaks(path: Path) -> tuple[float, ...] | None:
    """The waveform of an MP3 (libsndfile decodes it), decoded in blocks; ``None`` when
    it cannot be decoded here — the file is still sent, and its player draws the
    waveform once it is played."""
    import soundfile  # libsndfile: only needed for dropped and imported files

    folded: list[np.ndarray] = []
    try:
        with soundfile.SoundFile(str(path)) as sound:
            for block in sound.blocks(blocksize=PEAK_BLOCK, dtype="float32", always_2d=True):
                mag = np.max(np.abs(block), axis=1)
                edges = np.arange(0, len(mag), PEAK_BIN)
                folded.append(np.maximum.reduceat(mag, edges))
    except (RuntimeError, OSError, ValueError) as exc:  # soundfile's LibsndfileError too
        log.info("no waveform for %s: %s", path.name, exc)
        return None
    if not folded:
        return None
    return tuple(compute_peaks(np.concatenate(folded)))


def prepare_dropped_audio(
    source: Path, work_dir: Path, bitrate: int = DEFAULT_BITRATE
) -> AudioFile:
    source = Path(source)
    suffix = source.suffix.lower()
    if not source.is_file():
        raise DroppedAudioError(f"{source.name} is not a file that can be read.")
    if suffix in MP3_SUFFIXES:
        try:
            info = read_mp3_info(source)
        except (ValueError, OSError) as exc:
            raise DroppedAudioError(f"{source.name} is not a readable MP3 file ({exc}).") from exc
        return AudioFile(
            path=source,
            bitrate=info.bitrate,
            duration=round(info.duration, 3),
            peaks=mp3_peaks(source),
        )
    if suffix in PCM_SUFFIXES:
        try:
            pcm, rate = read_audio(source)
        except (AudioFileError, OSError) as exc:
            raise DroppedAudioError(f"{source.name} cannot be read: {exc}.") from exc
        if len(pcm) == 0:
            raise DroppedAudioError(f"{source.name} holds no audio.")
        if rate not in LAME_RATES:
            raise DroppedAudioError(
                f"{source.name} is at {rate} Hz; MP3 needs 44.1 or 48 kHz (or another standard "
                "rate). Export it at 44.1 kHz and drop it again."
            )
        stereo = np.repeat(pcm[:, :1], 2, axis=1) if pcm.shape[1] == 1 else pcm[:, :2]
        stereo = np.clip(stereo.astype(np.float32), -1.0, 1.0)
        work_dir.mkdir(parents=True, exist_ok=True)
        prune_stale(work_dir)
        target = work_dir / f"{source.stem}-{uuid.uuid4().hex[:8]}.mp3"
        encode_mp3(stereo, rate, target, bitrate)
        return AudioFile(
            path=target,
            bitrate=bitrate,
            duration=round(len(stereo) / rate, 3),
            peaks=tuple(compute_peaks(stereo)),
        )
    raise DroppedAudioError(refusal(source))
