"""The sample-accurate heart of the engine: schedules steps and mixes voices.

``Sequencer.render(n)`` produces the next ``n`` frames. It is used both by the real-time
engine (a block at a time) and by the offline bounce (everything in one call), so what
is played, recorded and bounced is the same arithmetic: a voice is a pre-scaled stereo
copy of a sample placed at an absolute sample position, and a block is the sum of the
voices that overlap it. That makes the output independent of the block size.

Pattern edits are picked up when the next step is scheduled ("effective from the next
step"); notes already sounding finish with the gain they started with, so an edit never
clicks. A tempo change re-anchors the step grid at the next step, so the groove carries
on from where it is instead of jumping.

A track plays the kit's sound ``sample`` or, when it has one, its own sample from the
``SampleBank`` (by SHA-256), pitched and cut to its decay (``sample_shaping``). Offline
the sequencer computes a sound it lacks; live (``preparer`` given, the engine) it never
does: a sound still being prepared is played as this track last played the same sample
(the previous pitch while the musician drags it), or not at all when the track has not
played that sample yet, and the prepared one takes over from the next hit. Choke
groups: a hit on a track in group g > 0 cuts the sounding voices of the other tracks in
group g with a short fade, as Hydrogen's mute groups and Ableton's choke groups do. The
kit's own hat pair (the default group) keeps the drum-machine rule every 0.0.1 pattern
was rendered with: the closed hat cuts the open hat, not the other way round (the demo's
open hat would otherwise shorten the closed hat before it, changing every old render).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from desktop_app.audio.kit import Kit, KitError
from desktop_app.audio.limiter import CEILING, THRESHOLD, soft_knee
from desktop_app.audio.metronome import MetronomeSettings, beat_of, click
from desktop_app.audio.sample_bank import NoSamples, SampleBank
from desktop_app.audio.sample_shaping import shape
from desktop_app.audio.sound_preparer import SoundPreparer
from desktop_app.audio.timing import samples_per_step
from desktop_app.domain.pattern import Pattern
from desktop_app.domain.track import VELOCITY_MAX, Track

# Master gain before the limiter: roughly 2 dB of headroom for several voices at once.
MASTER_GAIN = 0.8
# The master limiter (limiter.py): a soft knee from THRESHOLD, then a true-peak ceiling.
LIMIT_THRESHOLD = THRESHOLD
LIMIT_CEILING = CEILING
# A hit in a choke group cuts the others' ringing voices with this short fade (about
# 1.5 ms) instead of a click.
CHOKE_FADE = 64
# Voices ready to mix, by sound, velocity, volume and pan: own samples may be 30 s long
# (two minutes pitched down), so the cache is bounded by size as well as by count.
VOICE_CACHE_BYTES = 192 * 1024 * 1024
# The kit's hats: between these two only the closed hat cuts the open hat (module doc).
CHOKES: dict[str, tuple[str, ...]] = {"closed_hat": ("open_hat",)}
_KIT_HATS = frozenset({"closed_hat", "open_hat"})


def pan_gains(pan: float, stereo_source: bool = False) -> tuple[float, float]:
    """Constant-power pan (-3 dB each side in the centre). A stereo sample is balanced
    instead, so that centred it plays at unity and hard-panned it keeps one side."""
    theta = (pan + 1.0) * math.pi / 4.0
    left, right = math.cos(theta), math.sin(theta)
    if stereo_source:
        return min(1.0, left * math.sqrt(2)), min(1.0, right * math.sqrt(2))
    return left, right


def soft_limit(buf: np.ndarray) -> np.ndarray:
    """The limiter's stateless soft knee alone (no sample exceeds LIMIT_CEILING), for
    mixes that are not a continuous stream; the engine and the bounce use the full
    true-peak limiter (limiter.TruePeakLimiter)."""
    return soft_knee(buf)


@dataclass
class Voice:
    start: int  # absolute sample position of the first frame
    data: np.ndarray  # (m, 2) float32, already scaled by velocity, volume, pan, master
    sample: str  # the kit sound's name, or the own sample's SHA-256
    track: int

    @property
    def end(self) -> int:
        return self.start + len(self.data)


def _mix(
    voices: list[Voice], start: int, end: int, tracks: int | None = None
) -> tuple[np.ndarray, list[Voice]]:
    """The frames ``start``..``end`` of ``voices`` summed, and the voices still sounding
    after ``end`` (the drums and the metronome mix the same way, into separate buffers).
    With ``tracks`` each voice is summed into its pattern track's buffer: (tracks, n, 2)."""
    out = np.zeros((end - start, 2) if tracks is None else (tracks, end - start, 2), np.float32)
    alive = []
    for v in voices:
        a, b = max(v.start, start), min(v.end, end)
        if a < b:
            target = out if tracks is None else out[v.track]
            target[a - start : b - start] += v.data[a - v.start : b - v.start]
        if v.end > end:
            alive.append(v)
    return out, alive


@dataclass(frozen=True)
class StepMark:
    """A scheduled step: where it starts and which step of the pattern it was."""

    onset: int
    step: int


class Sequencer:
    """Steps → voices → frames. Not thread-safe; the engine calls it from one thread."""

    def __init__(
        self,
        kit: Kit,
        sample_rate: int,
        *,
        strict: bool = False,
        on_missing_sample: Callable[[str], None] | None = None,
        bank: SampleBank | None = None,
        on_missing_own_sample: Callable[[str], None] | None = None,
        preparer: SoundPreparer | None = None,
    ) -> None:
        self.kit = kit if kit.sample_rate == sample_rate else kit.at_rate(sample_rate)
        self.sample_rate = sample_rate
        self.strict = strict
        self.bank = bank if bank is not None else SampleBank(NoSamples(), sample_rate)
        # Live: own sounds come ready from here, never computed on this thread.
        self.preparer = preparer
        # Live: the (pitch, decay) each (track, own sample) last sounded with, the
        # stand-in while that sample's new pitch or decay is being prepared.
        self._heard: dict[tuple[int, str], tuple[float, float | None]] = {}
        self._on_missing = on_missing_sample
        self._on_missing_own = on_missing_own_sample
        self._missing_reported: set[str] = set()
        self.pattern: Pattern | None = None
        self.step_limit: int | None = None
        self.marks: deque[StepMark] = deque(maxlen=256)
        self._cache: dict[tuple, np.ndarray] = {}
        self._cache_bytes = 0
        # Each track's sound after pitch and decay, by (sound, pitch, decay); None for an
        # own sample the bank does not have (looked for again with the next pattern).
        self._shaped: dict[tuple, np.ndarray | None] = {}
        self.metronome = MetronomeSettings()
        # The clicks of the last ``render`` call, aligned with its frames (see metronome.py).
        self.last_click: np.ndarray | None = None
        self._clicks = {accent: click(sample_rate, accent) for accent in (False, True)}
        self.reset()

    # ---- state -----------------------------------------------------------------------
    def reset(self, position: int = 0) -> None:
        """Back to step 0 at ``position``; sounding voices are dropped."""
        self.position = position
        self.voices: list[Voice] = []
        self.click_voices: list[Voice] = []
        # The voices of each choke group, pruned as new ones join: a choke looks at the
        # few that can still be sounding, never at every voice triggered so far.
        self._groups: dict[int, list[Voice]] = {}
        self._anchor = position
        self._since_anchor = 0
        self._next_step = 0
        self.scheduled = 0
        self.marks.clear()
        self._count_in = 0
        self._count_in_step = 0

    def count_in(self, steps: int) -> None:
        """Before step 0, ``steps`` steps of the grid with only the metronome's click
        (whether or not the metronome is on): the count-in before a take."""
        self._count_in = steps
        self._count_in_step = 0

    def anchor_grid(self) -> None:
        """Put the next step on the grid at the current position, as if the transport had
        started here, keeping whatever is sounding. The bounce plays a pre-roll and then
        anchors, so its first pass hears the tails (and chokes) of a loop already playing."""
        self._anchor = self.position
        self._since_anchor = 0

    def set_pattern(self, pattern: Pattern) -> None:
        """Use ``pattern`` from the next step on (the caller passes a private copy)."""
        old = self.pattern
        if old is not None:
            old_sps = samples_per_step(old, self.sample_rate)
            if samples_per_step(pattern, self.sample_rate) != old_sps:
                self._anchor += round(self._since_anchor * old_sps)
                self._since_anchor = 0
            if pattern.length != old.length:
                self._next_step %= pattern.length
        if self.strict:
            self.kit.require(t.sample for t in pattern.tracks if not t.own_sample)
            self._require_own(pattern.tracks)
        self.pattern = pattern
        playing = {(i, t.sample_sha256) for i, t in enumerate(pattern.tracks)}
        self._heard = {k: v for k, v in self._heard.items() if k in playing}
        # An own sample missing before may have arrived since (fetched, imported).
        if any(v is None for v in self._shaped.values()):
            self._shaped = {k: v for k, v in self._shaped.items() if v is not None}
            self._missing_reported.clear()

    def set_kit(self, kit: Kit) -> None:
        self.kit = kit if kit.sample_rate == self.sample_rate else kit.at_rate(self.sample_rate)
        self._cache.clear()
        self._cache_bytes = 0
        self._shaped.clear()
        self._heard.clear()
        self._missing_reported.clear()

    def _require_own(self, tracks: Iterable[Track]) -> None:
        missing = [t for t in tracks if t.sample_sha256 and self._raw(t) is None]
        if missing:
            raise KitError(
                "own sample "
                + ", ".join(f"{t.sound_label!r} (track {t.name!r})" for t in missing)
                + " is missing or cannot be played"
            )

    def longest_sound(self, pattern: Pattern) -> int:
        """The longest sound a track of ``pattern`` plays, in frames, after pitch and
        decay (what a bounce's pre-roll must cover), at least the kit's longest sample."""
        longest = longest_sample(self.kit)
        for track in pattern.tracks:
            data = self._shape(track)
            if data is not None:
                longest = max(longest, len(data))
        return longest

    def next_onset(self) -> int | None:
        pattern = self.pattern
        if pattern is None or (self.step_limit is not None and self.scheduled >= self.step_limit):
            return None
        sps = samples_per_step(pattern, self.sample_rate)
        onset = self._anchor + round(self._since_anchor * sps)
        if self._next_step % 2 == 1:
            onset += round(pattern.swing * sps)
        return onset

    # ---- rendering -------------------------------------------------------------------
    def render(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames, (frames, 2) float32, before the limiter."""
        return self._render(frames, None)

    def render_tracks(self, frames: int, tracks: int) -> np.ndarray:
        """``render`` with each pattern track's voices in a buffer of its own, (tracks,
        frames, 2) float32: the stems. Summed over the tracks it is what ``render`` would
        have returned (the same voices, added in another order)."""
        return self._render(frames, tracks)

    def _render(self, frames: int, tracks: int | None) -> np.ndarray:
        start, end = self.position, self.position + frames
        while True:
            onset = self.next_onset()
            if onset is None or onset >= end:
                break
            self._trigger(max(onset, start))
        out, self.voices = _mix(self.voices, start, end, tracks)
        self.position = end
        self.last_click = None
        if self.click_voices:
            self.last_click, self.click_voices = _mix(self.click_voices, start, end)
        return out

    def _trigger(self, onset: int) -> None:
        pattern = self.pattern
        assert pattern is not None
        if self._count_in > 0:
            self._count_in -= 1
            beat, accent = beat_of(self._count_in_step, pattern.steps_per_beat)
            if beat:
                volume = self.metronome.volume or MetronomeSettings().volume
                data = self._clicks[accent] * np.float32(volume)
                self.click_voices.append(Voice(onset, data, "metronome", -1))
            self._count_in_step += 1
            self._since_anchor += 1
            return
        step = self._next_step
        self.marks.append(StepMark(onset, step))
        if self.metronome.enabled and self.metronome.volume > 0:
            beat, accent = beat_of(step, pattern.steps_per_beat)
            if beat:
                data = self._clicks[accent] * np.float32(self.metronome.volume)
                self.click_voices.append(Voice(onset, data, "metronome", -1))
        soloing = any(t.solo for t in pattern.tracks)
        for index, track in enumerate(pattern.tracks):
            velocity = track.steps[step] if step < len(track.steps) else 0
            audible = track.solo if soloing else not track.mute
            if not velocity or not audible:
                continue
            sound = _sound_id(track)
            group = track.choke_group
            if group:
                self._choke(group, sound, index, onset)
            voice_data = self._voice_data(track, velocity, index)
            if voice_data is not None:
                voice = Voice(onset, voice_data, sound, index)
                self.voices.append(voice)
                if group:
                    members = [v for v in self._groups.get(group, ()) if v.end > onset]
                    members.append(voice)
                    self._groups[group] = members
        self._next_step = (step + 1) % pattern.length
        self._since_anchor += 1
        self.scheduled += 1

    def _choke(self, group: int, sound: str, track: int, at: int) -> None:
        live = [v for v in self._groups.get(group, ()) if v.end > at]
        self._groups[group] = live
        for v in live:
            if v.start < at and v.track != track and _cuts(sound, v.sample):
                keep = at - v.start
                tail = v.data[keep : keep + CHOKE_FADE].copy()
                tail *= np.linspace(1.0, 0.0, len(tail) + 1, dtype=np.float32)[1:, None]
                v.data = np.concatenate([v.data[:keep], tail])

    def _raw(self, track: Track) -> np.ndarray | None:
        """The track's sound before pitch and decay, None when it cannot be had."""
        if track.sample_sha256 is not None:
            return self.bank.audio(track.sample_sha256)
        return self.kit.samples.get(track.sample)

    def _shape(self, track: Track) -> np.ndarray | None:
        key = (_sound_id(track), track.pitch, track.decay)
        if key in self._shaped:
            return self._shaped[key]
        data: np.ndarray | None
        if track.sample_sha256 is not None:
            data = self.bank.shaped(track.sample_sha256, track.pitch, track.decay)
        else:
            raw = self.kit.samples.get(track.sample)
            data = None if raw is None else shape(raw, self.sample_rate, track.pitch, track.decay)
        if len(self._shaped) > 256:
            self._shaped.clear()
        self._shaped[key] = data
        return data

    def _playable(self, track: Track, index: int) -> np.ndarray | Track | None:
        """The track's sound (None: missing); live, while it is being prepared, the track
        as it last sounded with this sample (a ``Track``), or ``track`` itself when it has
        not sounded with it yet (silence). See the module doc."""
        sha = track.sample_sha256
        if sha is None or self.preparer is None:
            return self._shape(track)
        key = (sha, track.pitch, track.decay)
        if key in self._shaped:
            data = self._shaped[key]
        else:
            data, settled = self.preparer.sound(*key)
            if not settled:
                before = self._heard.get((index, sha))
                if before is None or before == (track.pitch, track.decay):
                    return track
                return replace(track, pitch=before[0], decay=before[1])
            if len(self._shaped) > 256:
                self._shaped.clear()
            self._shaped[key] = data
        if data is not None:
            self._heard[(index, sha)] = (track.pitch, track.decay)
        return data

    def _voice_data(self, track: Track, velocity: int, index: int) -> np.ndarray | None:
        key = (_sound_id(track), track.pitch, track.decay, velocity, track.volume, track.pan)
        data = self._cache.get(key)
        if data is not None:
            return data
        raw = self._playable(track, index)
        if isinstance(raw, Track):  # being prepared: the sound as it was, or nothing
            return None if raw is track else self._voice_data(raw, velocity, index)
        if raw is None:
            self._report_missing(track)
            return None
        stereo = raw.ndim == 2
        left, right = pan_gains(track.pan, stereo)
        gain = MASTER_GAIN * track.volume * velocity / VELOCITY_MAX
        gains = np.array([left * gain, right * gain], np.float32)
        data = (raw if stereo else raw[:, None]) * gains
        if len(self._cache) > 1024 or self._cache_bytes + data.nbytes > VOICE_CACHE_BYTES:
            self._cache.clear()
            self._cache_bytes = 0
        self._cache[key] = data
        self._cache_bytes += data.nbytes
        return data

    def _report_missing(self, track: Track) -> None:
        sha = track.sample_sha256
        if sha is None:
            if self.strict:
                self.kit.sample(track.sample)  # raises KitError naming the sample
            if track.sample not in self._missing_reported:
                self._missing_reported.add(track.sample)
                if self._on_missing is not None:
                    self._on_missing(track.sample)
            return
        if self.strict:
            self._require_own([track])
        if sha not in self._missing_reported:
            self._missing_reported.add(sha)
            if self._on_missing_own is not None:
                self._on_missing_own(track.sound_label)


def _sound_id(track: Track) -> str:
    return track.sample_sha256 or track.sample


def _cuts(hit: str, sounding: str) -> bool:
    """Whether a hit of sound ``hit`` cuts a sounding voice of ``sounding`` in its group:
    always, except between the kit's two hats, where only the closed hat cuts."""
    if hit in _KIT_HATS and sounding in _KIT_HATS:
        return sounding in CHOKES.get(hit, ())
    return True


def longest_sample(kit: Kit) -> int:
    return max((len(s) for s in kit.samples.values()), default=0)


__all__ = [
    "CHOKES",
    "KitError",
    "Sequencer",
    "StepMark",
    "Voice",
    "longest_sample",
    "pan_gains",
    "soft_limit",
]
