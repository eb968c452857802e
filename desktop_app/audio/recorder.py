"""Recording what the engine plays: a lossless WAV and a finished MP3 at stop.

The engine's feeder thread hands each played block to ``Recorder``'s listener, which only
queues it. A worker thread writes the float WAV and feeds the LAME encoder as the blocks
arrive, so when the musician presses stop only the encoder's last frames are flushed and
the MP3 is ready within milliseconds - not converted from the WAV after the fact.

Files are written under ``*.part`` names and renamed when complete; any failure (an
unwritable folder, a full disk) removes them, so a half-written take never looks finished.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from desktop_app.audio.audio_input import InputTap, InputUnavailable
from desktop_app.audio.mp3 import DEFAULT_BITRATE, Mp3Encoder, check_bitrate
from desktop_app.audio.peaks import DEFAULT_COUNT, PeakTracker
from desktop_app.audio.sequencer import soft_limit
from desktop_app.audio.wavio import WavWriter
from sequencer_common.atomic import part_path

log = logging.getLogger(__name__)


class RecordingError(Exception):
    """A recording that could not be made or finished; the message is for the user."""


class InputRecordingError(RecordingError):
    """The take could not start because input mixing is on and the input would not open:
    the message says why; the caller adds how to record without it."""


class BlockSource(Protocol):
    sample_rate: int

    def add_block_listener(self, fn: Callable[[np.ndarray], None]) -> None: ...

    def remove_block_listener(self, fn: Callable[[np.ndarray], None]) -> None: ...


class InputSource(Protocol):
    def take(self, n: int) -> np.ndarray: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RecordingResult:
    mp3_path: Path
    wav_path: Path
    duration: float  # seconds of audio recorded
    bitrate: int  # kbit/s
    size_bytes: int  # of the MP3
    peaks: list[float] = field(default_factory=list)  # ~100 values in 0..1
    sample_rate: int = 44100


def _describe(exc: OSError, where: Path) -> str:
    if exc.errno == errno.ENOSPC:
        return f"The disk is full: could not write the recording to {where}."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Recordings cannot be written to {where}: permission denied."
    reason = exc.strerror or str(exc)
    return f"Could not write the recording to {where}: {reason}."


class Recorder:
    """``start()``, then ``stop()`` for a ``RecordingResult``; one take per start.

    ``input_source`` may replace the device input (anything with ``take(n)``/``close()``);
    by default, with ``mix_input``, an ``InputTap`` on ``input_device`` is opened."""

    def __init__(
        self,
        engine: BlockSource,
        out_dir: str | Path,
        *,
        bitrate: int = DEFAULT_BITRATE,
        input_device: str | int | None = None,
        mix_input: bool = False,
        input_gain: float = 1.0,
        input_source: InputSource | None = None,
        on_error: Callable[[str], None] | None = None,
        prefix: str = "recording",
    ) -> None:
        self.engine = engine
        self.out_dir = Path(out_dir)
        self.bitrate = check_bitrate(bitrate)
        self.input_device = input_device
        self.mix_input = mix_input or input_source is not None
        self.input_gain = input_gain
        self._input_source = input_source
        self._on_error = on_error
        self.prefix = prefix
        self.sample_rate = int(getattr(engine, "sample_rate", 44100))
        self._queue: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._accepting = False
        self._error: str | None = None
        self._input: InputSource | None = None
        self._frames = 0
        self._peaks = PeakTracker()
        self._paths: tuple[Path, Path] | None = None
        self._files: tuple[BinaryIO, BinaryIO] | None = None
        self._accepted = 0  # frames taken from the engine for this take
        self._limit: int | None = None  # the take ends after this many frames
        self.complete = threading.Event()  # set when the take reached its limit

    # ---- public ------------------------------------------------------------------------
    @property
    def is_recording(self) -> bool:
        return self._worker is not None

    def level(self) -> float:
        """Peak (0..1) of the latest recorded block, for a level meter."""
        return self._peaks.last if self.is_recording else 0.0

    def elapsed(self) -> float:
        """Seconds recorded so far."""
        return self._frames / self.sample_rate

    def backlog(self) -> int:
        """Blocks queued but not yet written (stays at 0-2 in real time)."""
        return self._queue.qsize()

    def finish_at(self, frames: int) -> None:
        """End the take after exactly ``frames`` frames (a bar line: "stop at the end of
        the bar", "record N bars"); ``complete`` is set then, and ``stop`` finishes it.
        A limit already passed ends the take at once."""
        self._limit = max(frames, self._accepted)
        if self._accepted >= self._limit:
            self.complete.set()

    @property
    def frames_taken(self) -> int:
        """Frames taken so far (the take clock; see timing.bars_beats)."""
        return self._accepted

    def start(self, basename: str | None = None, *, length_frames: int | None = None) -> None:
        """Start a take; with ``length_frames`` it ends by itself after exactly that many
        frames (``complete`` is set; call ``stop`` for the result)."""
        if self.is_recording:
            raise RecordingError("Already recording.")
        self._accepted = 0
        self._limit = length_frames
        self.complete.clear()
        self._error = None
        self._frames = 0
        self._peaks = PeakTracker()
        self._queue = queue.SimpleQueue()
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordingError(_describe(exc, self.out_dir)) from None
        base = basename or self._unique_basename()
        finals = (self.out_dir / f"{base}.mp3", self.out_dir / f"{base}.wav")
        parts = (part_path(finals[0]), part_path(finals[1]))
        self._paths = finals
        try:
            mp3 = open(parts[0], "wb")  # noqa: SIM115 - closed by the worker
            try:
                wav = open(parts[1], "wb")  # noqa: SIM115
            except OSError:
                mp3.close()
                raise
        except OSError as exc:
            self._remove_parts()
            raise RecordingError(_describe(exc, self.out_dir)) from None
        self._files = (mp3, wav)
        try:
            self._wav = WavWriter(wav, self.sample_rate, 2)
        except OSError as exc:
            self._close_files()
            self._remove_parts()
            raise RecordingError(_describe(exc, self.out_dir)) from None
        self._encoder = Mp3Encoder(self.sample_rate, 2, self.bitrate)
        try:
            mp3.write(self._encoder.tag_placeholder())  # gapless tag, completed at stop
        except OSError as exc:
            self._close_files()
            self._remove_parts()
            raise RecordingError(_describe(exc, self.out_dir)) from None
        self._input = None
        if self.mix_input:
            try:
                self._input = self._input_source or self._open_input()
            except InputUnavailable as exc:
                self._close_files()
                self._remove_parts()
                raise InputRecordingError(str(exc)) from None
        self._worker = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._worker.start()
        self._accepting = True
        self.engine.add_block_listener(self._on_block)

    def stop(self) -> RecordingResult:
        """Finish the take. Raises ``RecordingError`` if nothing was recorded or the files
        could not be written; in both cases no file is left behind."""
        worker = self._worker
        if worker is None:
            raise RecordingError("Not recording.")
        self._accepting = False
        self.engine.remove_block_listener(self._on_block)
        self._queue.put(None)
        worker.join()
        self._worker = None
        if self._input is not None and self._input is not self._input_source:
            self._input.close()
        assert self._paths is not None
        if self._error is not None:
            raise RecordingError(self._error)
        if self._frames == 0:
            self._remove_parts()
            raise RecordingError(
                "Nothing was recorded: start playback while recording to capture the pattern."
            )
        mp3_path, wav_path = self._paths
        try:
            for final in self._paths:
                os.replace(part_path(final), final)
            size = mp3_path.stat().st_size
        except OSError as exc:
            self._remove_parts()
            for final in self._paths:
                final.unlink(missing_ok=True)
            raise RecordingError(_describe(exc, self.out_dir)) from None
        return RecordingResult(
            mp3_path=mp3_path,
            wav_path=wav_path,
            duration=self._frames / self.sample_rate,
            bitrate=self.bitrate,
            size_bytes=size,
            peaks=self._peaks.peaks(DEFAULT_COUNT),
            sample_rate=self.sample_rate,
        )

    def cancel(self) -> None:
        """Stop and discard the take."""
        if self._worker is None:
            return
        try:
            result = self.stop()
        except RecordingError:
            return
        result.mp3_path.unlink(missing_ok=True)
        result.wav_path.unlink(missing_ok=True)

    # ---- internals -----------------------------------------------------------------------
    def _unique_basename(self) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base, n = f"{self.prefix}-{stamp}", 1
        while any(
            (self.out_dir / f"{base}{ext}").exists() for ext in (".mp3", ".wav", ".mp3.part")
        ):
            n += 1
            base = f"{self.prefix}-{stamp}-{n}"
        return base

    def _open_input(self) -> InputTap:
        tap = InputTap(self.sample_rate)
        tap.open(self.input_device)
        return tap

    def _on_block(self, block: np.ndarray) -> None:  # engine feeder thread: queue only
        if not self._accepting:
            return
        limit = self._limit
        if limit is not None:
            block = block[: max(0, limit - self._accepted)]
        if len(block):
            self._accepted += len(block)
            self._queue.put(block)
        if limit is not None and self._accepted >= limit:
            self.complete.set()

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # never leave stop() waiting on a dead worker
            log.exception("recorder worker failed")
            self._fail(f"Recording failed: {exc}")

    def _loop(self) -> None:
        done = False
        while not done:
            batch: list[np.ndarray | None] = [self._queue.get()]
            while len(batch) < 64:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            for i, item in enumerate(batch):
                if item is None:
                    batch, done = batch[:i], True
                    break
            blocks = [b for b in batch if b is not None]
            if self._error is None and blocks:
                self._write(blocks)
        if self._error is None:
            self._finish()
        else:
            self._close_files()

    def _write(self, blocks: list[np.ndarray]) -> None:
        if self._input is not None:
            blocks = [self._mix(b) for b in blocks]
        for b in blocks:
            self._peaks.add(b)
        pcm = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        assert self._files is not None
        try:
            self._wav.write(pcm)
            self._files[0].write(self._encoder.encode(pcm))
        except OSError as exc:
            self._fail(_describe(exc, self.out_dir))
            return
        self._frames += len(pcm)

    def _mix(self, block: np.ndarray) -> np.ndarray:
        assert self._input is not None
        mixed = block + self.input_gain * self._input.take(len(block))
        return soft_limit(mixed.astype(np.float32, copy=False))

    def _finish(self) -> None:
        assert self._files is not None
        try:
            mp3 = self._files[0]
            mp3.write(self._encoder.flush())
            mp3.seek(0)
            mp3.write(self._encoder.final_tag())
            self._wav.finish()
            for fh in self._files:
                fh.close()
        except OSError as exc:
            self._fail(_describe(exc, self.out_dir))
        self._files = None

    def _fail(self, message: str) -> None:
        log.error("recording failed: %s", message)
        self._error = message
        self._accepting = False
        self._close_files()
        self._remove_parts()
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:
                log.exception("on_error failed")

    def _close_files(self) -> None:
        if self._files is None:
            return
        for fh in self._files:
            with contextlib.suppress(OSError):
                fh.close()
        self._files = None

    def _remove_parts(self) -> None:
        if self._paths is None:
            return
        for final in self._paths:
            try:
                part_path(final).unlink(missing_ok=True)
            except OSError:
                log.warning("could not remove %s", final, exc_info=True)
