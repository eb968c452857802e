"""Drum kits: named samples at one sample rate.

The default kit is synthesised at load (``synth.py``), so it is deterministic and needs no
binary files in the repository. A user kit is a folder of WAV, AIFF or FLAC files named
after the samples they provide (``kick.wav`` → ``kick``); whatever their rate, bit depth or channel
count, they are converted once at load so the engine only ever mixes float32 at its own
rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_app.audio.audio_files import (
    SUFFIXES,
    AudioFileError,
    as_played_channels,
    read_audio,
)
from desktop_app.audio.resample import resample
from desktop_app.audio.synth import build_default_samples
from desktop_app.domain.pattern import DEFAULT_KIT_SAMPLES

DEFAULT_SAMPLE_RATE = 44100


class KitError(Exception):
    """A kit or sample that cannot be used; the message names the file or sample."""


@dataclass
class Kit:
    """Samples are float32, mono ``(n,)`` or stereo ``(n, 2)``, at ``sample_rate``."""

    name: str
    sample_rate: int = DEFAULT_SAMPLE_RATE
    samples: dict[str, np.ndarray] = field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.samples

    def sample(self, name: str) -> np.ndarray:
        try:
            return self.samples[name]
        except KeyError:
            have = ", ".join(sorted(self.samples)) or "none"
            raise KitError(
                f"sample {name!r} is not in kit {self.name!r} (it has: {have})"
            ) from None

    def require(self, names: Iterable[str]) -> None:
        """Raise one error naming every sample the caller needs that the kit lacks."""
        missing = sorted({n for n in names if n not in self.samples})
        if missing:
            have = ", ".join(sorted(self.samples)) or "none"
            raise KitError(
                f"kit {self.name!r} has no sample "
                + ", ".join(repr(m) for m in missing)
                + f" (it has: {have})"
            )

    def at_rate(self, sample_rate: int) -> Kit:
        """This kit resampled for an engine running at ``sample_rate``."""
        if sample_rate == self.sample_rate:
            return self
        return Kit(
            self.name,
            sample_rate,
            {k: resample(v, self.sample_rate, sample_rate) for k, v in self.samples.items()},
        )


def load_default_kit(sample_rate: int = DEFAULT_SAMPLE_RATE) -> Kit:
    """The built-in eight sounds (``DEFAULT_KIT_SAMPLES``), synthesised at ``sample_rate``."""
    samples = build_default_samples(sample_rate)
    assert tuple(samples) == DEFAULT_KIT_SAMPLES
    return Kit("default", sample_rate, samples)


def load_sample(path: str | Path, sample_rate: int = DEFAULT_SAMPLE_RATE) -> np.ndarray:
    """One WAV, AIFF or FLAC file as a kit sample; errors name the file and the reason."""
    path = Path(path)
    try:
        frames, rate = read_audio(path)
    except FileNotFoundError:
        raise KitError(f"{path}: sample file is missing") from None
    except (AudioFileError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise KitError(f"{path}: cannot read sample: {reason}") from None
    if len(frames) == 0:
        raise KitError(f"{path}: cannot read sample: it contains no audio")
    frames = np.nan_to_num(frames, nan=0.0, posinf=1.0, neginf=-1.0)
    return as_played_channels(resample(frames, rate, sample_rate)).astype(np.float32)


def load_kit_folder(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    name: str | None = None,
) -> Kit:
    """Every WAV, AIFF or FLAC file in ``path`` becomes a sample named after the file
    (lower case).

    ``required`` lists samples that must be present (e.g. those a pattern uses); a missing
    one is reported together with what the folder does contain."""
    folder = Path(path)
    if not folder.is_dir():
        raise KitError(f"{folder}: kit folder does not exist")
    samples: dict[str, np.ndarray] = {}
    for file in sorted(folder.iterdir()):
        if file.suffix.lower() in SUFFIXES and not file.name.startswith("."):
            samples[file.stem.lower()] = load_sample(file, sample_rate)
    kit = Kit(name or folder.name, sample_rate, samples)
    if not samples:
        raise KitError(f"{folder}: no WAV, AIFF or FLAC files in the kit folder")
    try:
        kit.require(required)
    except KitError as exc:
        raise KitError(f"{folder}: {exc}") from None
    return kit
