"""The default kit, synthesised: eight analogue-style drum voices built with numpy.

The recipes follow the classic drum machines rather than test tones: a kick is a sine whose
pitch falls fast from ~160 Hz to ~48 Hz with a click on top, a snare is two drum-head
modes plus bright noise, a clap is a few noise bursts a few milliseconds apart followed by
a short room tail, the hats are six detuned square waves (the TR-808's metallic cluster)
high-passed above 6 kHz. Filtering is done in the frequency domain on the whole sound
(zero phase, no per-sample Python loops), so building the kit takes a few milliseconds and
the result is identical on every machine (fixed random seed).
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 44100
_SEED = 0x5E9


def _t(seconds: float, sr: int) -> np.ndarray:
    return np.arange(round(seconds * sr)) / sr


def _filtered(signal: np.ndarray, sr: int, lo: float = 0.0, hi: float = 0.0, order: int = 4):
    """Butterworth-shaped magnitude response applied in the frequency domain."""
    n = len(signal)
    spectrum = np.fft.rfft(signal, n=2 * n)
    f = np.fft.rfftfreq(2 * n, 1.0 / sr)
    gain = np.ones_like(f)
    if lo > 0:
        with np.errstate(divide="ignore"):
            gain /= np.sqrt(1.0 + (lo / np.maximum(f, 1e-9)) ** (2 * order))
    if hi > 0:
        gain /= np.sqrt(1.0 + (f / hi) ** (2 * order))
    return np.fft.irfft(spectrum * gain, n=2 * n)[:n]


def _resonance(signal: np.ndarray, sr: int, centre: float, q: float) -> np.ndarray:
    """A band-pass peak (second-order magnitude) around ``centre``."""
    n = len(signal)
    spectrum = np.fft.rfft(signal, n=2 * n)
    f = np.fft.rfftfreq(2 * n, 1.0 / sr)
    ratio = np.maximum(f, 1e-9) / centre
    gain = 1.0 / np.sqrt(1.0 + q * q * (ratio - 1.0 / ratio) ** 2)
    return np.fft.irfft(spectrum * gain, n=2 * n)[:n]


def _env(t: np.ndarray, decay: float, attack: float = 0.0005) -> np.ndarray:
    rise = np.clip(t / attack, 0.0, 1.0) if attack > 0 else 1.0
    return rise * np.exp(-t / decay)


def _finish(x: np.ndarray, peak: float, sr: int, fade: float = 0.01) -> np.ndarray:
    """Normalise to ``peak`` and fade the last few ms so the sample ends at silence."""
    m = int(fade * sr)
    if m:
        x[-m:] *= np.linspace(1.0, 0.0, m) ** 2
    x *= peak / max(1e-9, float(np.max(np.abs(x))))
    return x.astype(np.float32)


def kick(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(0.6, sr)
    freq = 48.0 + 115.0 * np.exp(-t / 0.04) + 40.0 * np.exp(-t / 0.006)
    phase = 2 * np.pi * np.cumsum(freq) / sr
    body = np.sin(phase) * _env(t, 0.24, 0.001)
    click = _filtered(rng.standard_normal(len(t)), sr, 1500, 7000) * _env(t, 0.0035, 0.0002)
    x = body + 0.3 * click / max(1e-9, np.max(np.abs(click)))
    return _finish(np.tanh(1.2 * x), 0.95, sr, 0.03)


def snare(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(0.38, sr)
    drop = 1.0 + 0.25 * np.exp(-t / 0.01)
    head = (
        np.sin(2 * np.pi * np.cumsum(185.0 * drop) / sr) * 0.65
        + np.sin(2 * np.pi * np.cumsum(330.0 * drop) / sr) * 0.35
    ) * _env(t, 0.055)
    noise = _filtered(rng.standard_normal(len(t)), sr, 1800, 10000, order=2)
    noise = noise / np.max(np.abs(noise)) * _env(t, 0.11, 0.0008)
    x = 0.55 * head + 0.75 * noise
    return _finish(np.tanh(1.3 * x), 0.85, sr, 0.03)


def clap(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(0.42, sr)
    noise = _resonance(rng.standard_normal(len(t)), sr, 1150.0, 1.6)
    noise = _filtered(noise, sr, 700, 6000, order=2)
    noise /= np.max(np.abs(noise))
    bursts = np.zeros_like(t)
    for i, start in enumerate((0.0, 0.011, 0.022, 0.031)):
        local = np.clip(t - start, 0.0, None)
        b = np.where(t >= start, np.exp(-local / 0.0045), 0.0) * (0.8 + 0.07 * i)
        bursts = np.maximum(bursts, b * np.clip((t - start) / 0.0004, 0, 1))
    tail = np.where(t >= 0.031, np.exp(-np.clip(t - 0.031, 0, None) / 0.095), 0.0) * 0.7
    x = noise * np.maximum(bursts, tail)
    return _finish(x, 0.8, sr, 0.03)


# The TR-808's six square-wave oscillators behind its cymbal and hats.
_METAL_HZ = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)


# Samples of the harmonics table computed at a time: the whole table of the open hat's
# lowest oscillator (54 harmonics x 0.9 s) is 17 MB a copy, and three copies at once made
# a one-loop ``sequencer render`` peak at 77 MB. Each sample's sum over its harmonics is
# the same whatever the slicing, so the kit is bit-identical.
_METAL_SLICE = 4096


def _metal(t: np.ndarray, sr: int) -> np.ndarray:
    """Band-limited sum of six square waves (additive odd harmonics, no aliasing)."""
    x = np.zeros_like(t)
    nyquist = sr / 2
    for f0 in _METAL_HZ:
        k = np.arange(1, int(nyquist / f0) + 1, 2)
        for start in range(0, len(t), _METAL_SLICE):
            part = t[start : start + _METAL_SLICE]
            x[start : start + len(part)] += np.sum(
                np.sin(2 * np.pi * np.outer(k * f0, part)) / k[:, None], axis=0
            )
    return x


def _hat(sr: int, rng: np.random.Generator, seconds: float, decay: float, lo: float):
    t = _t(seconds, sr)
    metal = _filtered(_metal(t, sr), sr, lo, 15000, order=6)
    metal /= np.max(np.abs(metal))
    hiss = _filtered(rng.standard_normal(len(t)), sr, lo + 1500, 16000, order=4)
    hiss /= np.max(np.abs(hiss))
    return (0.8 * metal + 0.35 * hiss) * _env(t, decay, 0.0003)


def closed_hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    return _finish(_hat(sr, rng, 0.14, 0.022, 6500.0), 0.6, sr, 0.02)


def open_hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    return _finish(_hat(sr, rng, 0.9, 0.22, 6000.0), 0.6, sr, 0.1)


def _tom(sr, rng, seconds, base, sweep, decay):
    t = _t(seconds, sr)
    freq = base + sweep * np.exp(-t / 0.07)
    body = np.sin(2 * np.pi * np.cumsum(freq) / sr) * _env(t, decay, 0.0008)
    skin = _filtered(rng.standard_normal(len(t)), sr, 400, 3000, order=2)
    skin = skin / np.max(np.abs(skin)) * _env(t, 0.012, 0.0003)
    x = body + 0.18 * skin
    return _finish(np.tanh(1.4 * x), 0.85, sr, 0.04)


def low_tom(sr: int, rng: np.random.Generator) -> np.ndarray:
    return _tom(sr, rng, 0.6, 92.0, 45.0, 0.2)


def high_tom(sr: int, rng: np.random.Generator) -> np.ndarray:
    return _tom(sr, rng, 0.45, 175.0, 70.0, 0.14)


def rim(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(0.09, sr)
    tone = (np.sin(2 * np.pi * 1690.0 * t) + 0.7 * np.sin(2 * np.pi * 470.0 * t)) * _env(
        t, 0.009, 0.0001
    )
    click = _filtered(rng.standard_normal(len(t)), sr, 2500, 12000) * _env(t, 0.0015, 0.0001)
    x = np.tanh(3.0 * tone) + 0.3 * click / np.max(np.abs(click))
    return _finish(_filtered(x, sr, 350, 0, order=2), 0.7, sr, 0.02)


VOICES = {
    "kick": kick,
    "snare": snare,
    "clap": clap,
    "closed_hat": closed_hat,
    "open_hat": open_hat,
    "low_tom": low_tom,
    "high_tom": high_tom,
    "rim": rim,
}


def build_default_samples(sr: int = SAMPLE_RATE) -> dict[str, np.ndarray]:
    """The eight default sounds as float32 mono arrays; identical on every call."""
    out = {}
    for i, (name, voice) in enumerate(VOICES.items()):
        out[name] = voice(sr, np.random.default_rng(_SEED + i))
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m desktop_app.audio.synth DIR`` writes the kit as WAV files, e.g. as a
    starting point for a user kit."""
    import sys
    from pathlib import Path

    from desktop_app.audio.wavio import write_wav

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else ".")
    out.mkdir(parents=True, exist_ok=True)
    for name, data in build_default_samples().items():
        write_wav(out / f"{name}.wav", data, SAMPLE_RATE, bits=16)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
